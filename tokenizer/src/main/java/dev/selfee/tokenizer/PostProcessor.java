package dev.selfee.tokenizer;

import java.util.List;

/** A tokenizer.json {@code post_processor}: adds special tokens (BOS, EOS, CLS/SEP) around one encoded text. */
sealed interface PostProcessor {
    int[] process(int[] ids, boolean addSpecialTokens);

    /** The {@code single} template: a list of pieces, each the ids of a special token or (null) the text itself. */
    record Template(List<int[]> single) implements PostProcessor {
        public int[] process(int[] ids, boolean addSpecialTokens) {
            if (!addSpecialTokens) return ids;
            IntList out = new IntList(ids.length + 4);
            for (int[] piece : single) out.addAll(piece == null ? ids : piece);
            return out.toArray();
        }
    }

    /** BertProcessing and RobertaProcessing on one text: {@code cls text sep}. */
    record ClsSep(int cls, int sep) implements PostProcessor {
        public int[] process(int[] ids, boolean addSpecialTokens) {
            if (!addSpecialTokens) return ids;
            int[] out = new int[ids.length + 2];
            out[0] = cls;
            System.arraycopy(ids, 0, out, 1, ids.length);
            out[out.length - 1] = sep;
            return out;
        }
    }

    /** ByteLevel's post-processing only trims offsets, which ids do not carry. */
    record Identity() implements PostProcessor {
        public int[] process(int[] ids, boolean addSpecialTokens) {
            return ids;
        }
    }

    record Sequence(List<PostProcessor> processors) implements PostProcessor {
        public int[] process(int[] ids, boolean addSpecialTokens) {
            for (PostProcessor p : processors) ids = p.process(ids, addSpecialTokens);
            return ids;
        }
    }
}
