package dev.selfee.tokenizer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {
    private static final List<Map<String, Object>> HI = List.of(Map.of("role", "user", "content", "hi"));

    @Test
    void syntaxErrorNamesLineAndColumn() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> ChatTemplate.compile("line one\n{% if messages %}\n  {{ messages[0].content + }}\n{% endif %}"));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().startsWith("chat template line 3, column 28: "), e.getMessage());
    }

    @Test
    void unclosedBlockIsReported() {
        TemplateException e = assertThrows(TemplateException.class, () -> ChatTemplate.compile("{% for m in messages %}x"));
        assertTrue(e.getMessage().contains("endfor"), e.getMessage());
    }

    @Test
    void unknownFilterAndTestAreNamed() {
        TemplateException f = assertThrows(TemplateException.class, () -> ChatTemplate.compile("a\n{{ x | frobnicate }}"));
        assertEquals("chat template line 2, column 8: no filter named 'frobnicate'", f.getMessage());
        TemplateException t = assertThrows(TemplateException.class, () -> ChatTemplate.compile("{% if x is shiny %}{% endif %}"));
        assertEquals("chat template line 1, column 12: no test named 'shiny'", t.getMessage());
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        ChatTemplate t = ChatTemplate.compile("{{ raise_exception('no ' + messages[0].role) }}");
        assertEquals("no user", assertThrows(TemplateException.class, () -> t.render(HI, false)).getMessage());
    }

    @Test
    void undefinedIsEmptyAndFalsyButArithmeticOnItFails() {
        assertEquals("[]|no|0", ChatTemplate.compile("[{{ nothing }}]|{{ 'yes' if nothing else 'no' }}|{{ nothing | length }}{% for x in nothing %}x{% endfor %}")
                .render(HI, false));
        TemplateException e = assertThrows(TemplateException.class, () -> ChatTemplate.compile("\n {{ nothing + 1 }}").render(HI, false));
        assertEquals("chat template line 2, column 13: 'nothing' is undefined", e.getMessage());
    }

    @Test
    void strftimeNowUsesTheClock() {
        ChatTemplate t = ChatTemplate.compile("{{ strftime_now('%d %b %Y %H:%M, %A %B') }}")
                .withClock(() -> LocalDateTime.of(2024, 7, 6, 9, 5));
        assertEquals("06 Jul 2024 09:05, Saturday July", t.render(HI, false));
    }

    @Test
    void extraContextAndSpecialTokensReachTheTemplate() {
        ChatTemplate t = ChatTemplate.compile("{{ bos_token }}{{ flag }}{{ eos_token is defined }}")
                .withSpecialTokens(Map.of("bos_token", "<s>"));
        assertEquals("<s>42False", t.render(HI, true, Map.of("flag", 42)));
    }

    @Test
    void configReadsStringOrNamedTemplatesAndContentTokens(@TempDir Path dir) throws IOException {
        Path cfg = dir.resolve("tokenizer_config.json");
        Files.writeString(cfg, """
                {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "pad_token": null,
                 "chat_template": [{"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"},
                                   {"name": "tool_use", "template": "T"}]}""");
        ChatTemplateConfig c = ChatTemplateConfig.read(cfg);
        assertEquals(Map.of("bos_token", "<s>", "eos_token", "</s>"), c.specialTokens());
        assertEquals("<s>hi</s>", c.template().render(HI, false));
        assertEquals("T", c.template("tool_use").render(HI, false));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> c.template("nope"));
        assertTrue(missing.getMessage().startsWith(cfg + ": no chat_template named 'nope'"), missing.getMessage());

        Files.writeString(cfg, "{\"eos_token\": \"</s>\", \"chat_template\": \"overridden\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "J{{ eos_token }}\n");
        Files.createDirectories(dir.resolve("additional_chat_templates"));
        Files.writeString(dir.resolve("additional_chat_templates/rag.jinja"), "R");
        ChatTemplateConfig files = ChatTemplateConfig.read(cfg);
        assertEquals("J</s>", files.template().render(HI, false), "template files take priority, as in transformers");
        assertEquals("R", files.template("rag").render(HI, false));
        Files.delete(dir.resolve("chat_template.jinja"));
        Files.delete(dir.resolve("additional_chat_templates/rag.jinja"));
        Files.delete(dir.resolve("additional_chat_templates"));

        Files.writeString(cfg, "{\"chat_template\": \"{% if %}\"}");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ChatTemplateConfig.read(cfg).template());
        assertTrue(bad.getMessage().contains("chat template line 1, column 7: expected an expression"), bad.getMessage());

        Files.writeString(cfg, "{\"chat_template\": 3");
        IllegalArgumentException json = assertThrows(IllegalArgumentException.class, () -> ChatTemplateConfig.read(cfg));
        assertTrue(json.getMessage().startsWith(cfg + ": not valid JSON at line 1"), json.getMessage());
    }
}
