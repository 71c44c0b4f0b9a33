import { CompressionCodecs, CompressionTypes } from "kafkajs";
import { compressFrame, decompressFrame } from "lz4-napi";

/**
 * kafkajs decodes only gzip by itself; the connector writes the change topics lz4-compressed
 * (`CdcConnector.compression`), so every host client registers Kafka's LZ4 (frame format) codec.
 * Importing this module registers it, once.
 */
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: (encoder: { buffer: Buffer }) => compressFrame(encoder.buffer),
  decompress: (buffer: Buffer) => decompressFrame(buffer),
});
