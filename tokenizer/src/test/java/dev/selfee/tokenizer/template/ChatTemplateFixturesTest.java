package dev.selfee.tokenizer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
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
    /** Real templates first; every fixture file in the folder is tested. */
    static final List<String> REAL = List.of("qwen3", "qwen2_5", "gemma3", "gemma_it", "llama3", "llama3_instruct",
            "llama3_3_generation", "llama2_chat", "mistral_instruct", "mistral_v3_style", "zephyr", "deepseek_r1_distill");
    private static final ObjectMapper JSON = new ObjectMapper();

    @SuppressWarnings("unchecked")
    @TestFactory
    List<DynamicTest> rendersLikeTransformers() throws IOException, URISyntaxException {
        List<DynamicTest> tests = new ArrayList<>();
        List<String> names;
        try (var files = Files.list(Path.of(getClass().getResource("/chat_templates").toURI()))) {
            names = files.map(f -> f.getFileName().toString().replace(".json", "")).sorted().toList();
        }
        assertTrue(names.containsAll(REAL), names.toString());
        for (String name : names) {
            Map<String, Object> doc;
            try (InputStream in = getClass().getResourceAsStream("/chat_templates/" + name + ".json")) {
                doc = JSON.readValue(in, new TypeReference<>() { });
            }
            LocalDateTime now = LocalDateTime.parse((String) doc.get("now"));
            ChatTemplate template = ChatTemplate.compile((String) doc.get("template"))
                    .withSpecialTokens((Map<String, String>) doc.get("special_tokens")).withClock(() -> now);
            List<Map<String, Object>> cases = (List<Map<String, Object>>) doc.get("cases");
            assertFalse(cases.isEmpty(), name);
            for (Map<String, Object> c : cases) {
                List<Map<String, Object>> messages = (List<Map<String, Object>>) c.get("messages");
                boolean agp = (Boolean) c.get("add_generation_prompt");
                Map<String, Object> extra = (Map<String, Object>) c.get("extra");
                tests.add(DynamicTest.dynamicTest(name + " " + c.get("name"), () -> {
                    if (Boolean.TRUE.equals(c.get("continue_final_message"))) {
                        if (c.containsKey("expected")) {
                            assertEquals(c.get("expected"), template.renderContinuingFinalMessage(messages, extra));
                        } else { // transformers refuses (ValueError) or the template raises
                            assertThrows(RuntimeException.class, () -> template.renderContinuingFinalMessage(messages, extra));
                        }
                    } else if (c.containsKey("expected")) {
                        RenderedChat r = template.renderWithSpans(messages, agp, extra);
                        assertEquals(c.get("expected"), r.text());
                        if (c.containsKey("generation_indices")) assertEquals(spans(r.text(), c.get("generation_indices")), r.generationSpans());
                    } else {
                        TemplateException e = assertThrows(TemplateException.class, () -> template.render(messages, agp, extra));
                        assertEquals(c.get("error"), e.getMessage());
                    }
                }));
            }
        }
        return tests;
    }

    /** Python's code-point offsets as UTF-16 spans. */
    private static List<RenderedChat.Span> spans(String text, Object indices) {
        List<RenderedChat.Span> out = new ArrayList<>();
        for (Object o : (List<?>) indices) {
            List<?> pair = (List<?>) o;
            out.add(new RenderedChat.Span(text.offsetByCodePoints(0, (Integer) pair.get(0)), text.offsetByCodePoints(0, (Integer) pair.get(1))));
        }
        return out;
    }
}
