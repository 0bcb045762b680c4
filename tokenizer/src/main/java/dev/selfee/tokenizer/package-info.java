/**
 * Hugging Face tokenizers on the JVM, with the same ids as the {@code tokenizers} library.
 *
 * <p>{@link dev.selfee.tokenizer.Tokenizer#load(java.nio.file.Path)} reads a model directory
 * ({@code tokenizer.json}, {@code tokenizer_config.json}, or GPT-2's {@code encoder.json} + {@code vocab.bpe});
 * {@code encode}/{@code decode} convert text and ids; {@link dev.selfee.tokenizer.StreamingDecoder} turns
 * generated ids into text as they come. BPE models in both families are implemented: byte-level (GPT-2,
 * Llama 3, Qwen2/3) and SentencePiece-style with byte fallback (Llama 2, Mistral). Any other
 * component type in a tokenizer.json is refused when loading, with the file, the field and the type.
 */
package dev.selfee.tokenizer;
