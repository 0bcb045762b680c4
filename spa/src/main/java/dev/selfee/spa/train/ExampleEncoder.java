package dev.selfee.spa.train;

import dev.selfee.spa.data.Message;
import dev.selfee.spa.data.PreferenceExample;
import dev.selfee.spa.data.SftExample;
import dev.selfee.spa.data.Text;
import dev.selfee.tokenizer.Tokenizer;
import dev.selfee.tokenizer.template.ChatTemplate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns examples into token ids the way TRL does:
 * <ul>
 *   <li>a text prompt is encoded with the tokenizer's special tokens (BOS where it adds one); a
 *       message-list prompt is rendered by the chat template with the generation prompt and
 *       encoded without special tokens (the template writes its own);</li>
 *   <li>a text completion is encoded without special tokens and EOS is appended; a message-list
 *       completion is what the template renders after the prompt for the whole conversation (the
 *       template closes the turn itself, so nothing is appended);</li>
 *   <li>{@code *_ids} fields are taken as given, EOS appended to completions not ending with it;</li>
 *   <li>then {@link Truncation}, counting the prompts and completions it shortened.</li>
 * </ul>
 */
public final class ExampleEncoder {
    private final Tokenizer tokenizer; // null: only *_ids data can be encoded
    private final int eos;             // -1: none
    private final Truncation truncation;
    private ChatTemplate template;

    /** What encoding a dataset produced, with truncation counts. */
    public record Encoded<T>(List<T> items, int promptsTruncated, int completionsTruncated) {
        /** One line for logs, e.g. "3 of 100 prompts truncated to 512 tokens". */
        public String report(Truncation t) {
            return promptsTruncated + " of " + items.size() + " prompts and " + completionsTruncated + " completions truncated (max length "
                    + (t.maxLength() == 0 ? "none" : t.maxLength()) + ", max prompt length " + (t.maxPromptLength() == 0 ? "none" : t.maxPromptLength()) + ")";
        }
    }

    /**
     * @param tokenizer the model's tokenizer, or null when every example is given as ids
     * @param eosId     the EOS appended to completions (-1: none; defaults to the tokenizer's when given one)
     */
    public ExampleEncoder(Tokenizer tokenizer, int eosId, Truncation truncation) {
        this.tokenizer = tokenizer;
        this.eos = eosId;
        this.truncation = truncation;
    }

    public ExampleEncoder(Tokenizer tokenizer, Truncation truncation) {
        this(tokenizer, tokenizer.eosId(), truncation);
    }

    public Encoded<TokenizedPair> pairs(List<PreferenceExample> examples) {
        List<TokenizedPair> out = new ArrayList<>();
        int promptCut = 0, completionCut = 0;
        for (int i = 0; i < examples.size(); i++) {
            PreferenceExample e = examples.get(i);
            String where = "record " + (i + 1);
            int[] fullPrompt = prompt(e.prompt(), where);
            int[] p = truncation.prompt(fullPrompt);
            int[] c = completion(e.prompt(), e.chosen(), where + " field \"chosen\""), r = completion(e.prompt(), e.rejected(), where + " field \"rejected\"");
            int[] ct = truncation.completion(p, c), rt = truncation.completion(p, r);
            if (p.length < fullPrompt.length) promptCut++;
            if (ct.length < c.length) completionCut++;
            if (rt.length < r.length) completionCut++;
            out.add(new TokenizedPair(i, p, ct, rt));
        }
        return new Encoded<>(out, promptCut, completionCut);
    }

    public Encoded<TokenizedExample> examples(List<SftExample> examples) {
        List<TokenizedExample> out = new ArrayList<>();
        int promptCut = 0, completionCut = 0;
        for (int i = 0; i < examples.size(); i++) {
            SftExample e = examples.get(i);
            String where = "record " + (i + 1);
            int[] fullPrompt = prompt(e.prompt(), where);
            int[] p = truncation.prompt(fullPrompt);
            int[] c = completion(e.prompt(), e.completion(), where + " field \"completion\"");
            int[] ct = truncation.completion(p, c);
            if (p.length < fullPrompt.length) promptCut++;
            if (ct.length < c.length) completionCut++;
            out.add(new TokenizedExample(i, p, ct));
        }
        return new Encoded<>(out, promptCut, completionCut);
    }

    /** The prompt's ids before truncation. */
    public int[] prompt(Text prompt, String where) {
        int[] ids = switch (prompt) {
            case Text.Ids t -> t.ids();
            case Text.Plain t -> tokenizer(where).encode(t.text(), true);
            case Text.Chat t -> tokenizer(where).encode(template(where).render(messages(t.messages()), true), false);
        };
        if (ids.length == 0) throw new IllegalArgumentException(where + ": the prompt encodes to no tokens");
        return ids;
    }

    /** A completion's ids before truncation. */
    public int[] completion(Text prompt, Text completion, String where) {
        int[] ids = switch (completion) {
            case Text.Ids t -> withEos(t.ids());
            case Text.Plain t -> withEos(tokenizer(where).encode(t.text(), false));
            case Text.Chat t -> {
                if (!(prompt instanceof Text.Chat p)) throw new IllegalArgumentException(where + ": a message-list completion needs a message-list prompt");
                ChatTemplate tpl = template(where);
                String head = tpl.render(messages(p.messages()), true);
                List<Message> all = new ArrayList<>(p.messages());
                all.addAll(t.messages());
                String whole = tpl.render(messages(all), false);
                if (!whole.startsWith(head)) {
                    throw new IllegalArgumentException(where + ": the chat template renders the conversation without the prompt as its beginning,"
                            + " so the completion cannot be separated from it");
                }
                yield tokenizer(where).encode(whole.substring(head.length()), false);
            }
        };
        if (ids.length == 0) throw new IllegalArgumentException(where + ": the completion encodes to no tokens");
        return ids;
    }

    private int[] withEos(int[] ids) {
        return appendEos(ids, eos);
    }

    /** {@code ids} followed by {@code eos}, unless they already end with it or eos is -1 (none). */
    public static int[] appendEos(int[] ids, int eos) {
        if (eos < 0 || (ids.length > 0 && ids[ids.length - 1] == eos)) return ids;
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos;
        return out;
    }

    private Tokenizer tokenizer(String where) {
        if (tokenizer == null) throw new IllegalArgumentException(where + ": text needs a tokenizer; give token ids (*_ids fields) or a tokenizer");
        return tokenizer;
    }

    private ChatTemplate template(String where) {
        if (template == null) {
            String source = tokenizer(where).chatTemplate();
            if (source == null) throw new IllegalArgumentException(where + ": message lists need a chat template, and the tokenizer has none");
            Map<String, String> special = new LinkedHashMap<>();
            special.put("bos_token", tokenizer.bosToken());
            special.put("eos_token", tokenizer.eosToken());
            special.put("pad_token", tokenizer.padToken());
            special.put("unk_token", tokenizer.unkToken());
            template = ChatTemplate.compile(source).withSpecialTokens(special);
        }
        return template;
    }

    private static List<Map<String, Object>> messages(List<Message> ms) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Message m : ms) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("role", m.role());
            o.put("content", m.content());
            out.add(o);
        }
        return out;
    }
}
