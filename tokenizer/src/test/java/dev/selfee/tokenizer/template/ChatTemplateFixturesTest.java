package dev.selfee.tokenizer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders real chat templates on the conversations recorded by tools/make_chat_template_fixtures.py and
 * compares byte-for-byte with transformers' apply_chat_template output (or its raise_exception message).
 */
class ChatTemplateFixturesTest {
    static final List<String> TEMPLATES = List.of("qwen3", "qwen2_5", "gemma3", "gemma_it", "llama3", "llama3_instruct",
            "llama2_chat", "mistral_instruct", "mistral_v3_style", "zephyr", "feature_loops", "feature_expressions",
            "feature_whitespace");
    private static final ObjectMapper JSON = new ObjectMapper();

    @SuppressWarnings("unchecked")
    @TestFactory
    List<DynamicTest> rendersLikeTransformers() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : TEMPLATES) {
            Map<String, Object> doc;
            try (InputStream in = getClass().getResourceAsStream("/chat_templates/" + name + ".json")) {
                doc = JSON.readValue(in, new TypeReference<>() { });
            }
            ChatTemplate template = ChatTemplate.compile((String) doc.get("template"))
                    .withSpecialTokens((Map<String, String>) doc.get("special_tokens"));
            List<Map<String, Object>> cases = (List<Map<String, Object>>) doc.get("cases");
            assertFalse(cases.isEmpty(), name);
            for (Map<String, Object> c : cases) {
                List<Map<String, Object>> messages = (List<Map<String, Object>>) c.get("messages");
                boolean agp = (Boolean) c.get("add_generation_prompt");
                Map<String, Object> extra = (Map<String, Object>) c.get("extra");
                tests.add(DynamicTest.dynamicTest(name + " " + c.get("name"), () -> {
                    if (c.containsKey("expected")) {
                        assertEquals(c.get("expected"), template.render(messages, agp, extra));
                    } else {
                        TemplateException e = assertThrows(TemplateException.class, () -> template.render(messages, agp, extra));
                        assertEquals(c.get("error"), e.getMessage());
                    }
                }));
            }
        }
        return tests;
    }
}
