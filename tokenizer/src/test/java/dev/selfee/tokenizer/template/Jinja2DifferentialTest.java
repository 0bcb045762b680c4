package dev.selfee.tokenizer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Random expressions and random small templates (tools/make_chat_template_fixtures.py, fixed seeds) rendered
 * by Jinja2 under transformers' settings: each must render identically here, or fail here where Jinja2 failed.
 */
class Jinja2DifferentialTest {
    @SuppressWarnings("unchecked")
    @TestFactory
    List<DynamicTest> randomExpressionsRenderLikeJinja2() throws IOException {
        Map<String, Object> doc = fixture("/jinja_expressions.json");
        Map<String, Object> context = (Map<String, Object>) doc.get("context");
        List<Map<String, Object>> cases = (List<Map<String, Object>>) doc.get("cases");
        assertTrue(cases.size() >= 1000, "fixture has " + cases.size() + " cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : cases) {
            String expr = (String) c.get("expr");
            tests.add(DynamicTest.dynamicTest(expr, () -> {
                if (c.containsKey("expected")) {
                    assertEquals(c.get("expected"), ChatTemplate.compile("{{ " + expr + " }}").render(List.of(), false, context));
                } else {
                    assertThrows(TemplateException.class, () -> ChatTemplate.compile("{{ " + expr + " }}").render(List.of(), false, context));
                }
            }));
        }
        return tests;
    }

    /** Text, tags and comments with random '-'/'+' whitespace control: trim_blocks and lstrip_blocks in full. */
    @SuppressWarnings("unchecked")
    @TestFactory
    List<DynamicTest> randomTemplatesKeepJinja2sWhitespace() throws IOException {
        Map<String, Object> doc = fixture("/jinja_whitespace.json");
        Map<String, Object> context = (Map<String, Object>) doc.get("context");
        List<Map<String, Object>> cases = (List<Map<String, Object>>) doc.get("cases");
        assertTrue(cases.size() >= 500, "fixture has " + cases.size() + " cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : cases) {
            String template = (String) c.get("template");
            String name = template.replace("\n", "\\n").replace("\t", "\\t");
            tests.add(DynamicTest.dynamicTest("\"" + name + "\"", () ->
                    assertEquals(c.get("expected"), ChatTemplate.compile(template).render(List.of(), false, context))));
        }
        return tests;
    }

    private static Map<String, Object> fixture(String resource) throws IOException {
        try (InputStream in = Jinja2DifferentialTest.class.getResourceAsStream(resource)) {
            return new ObjectMapper().readValue(in, new TypeReference<>() { });
        }
    }
}
