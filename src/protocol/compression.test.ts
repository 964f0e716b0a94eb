import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { compress, decompress, zstdOutputBound } from './compression.js';
import { CompressionType } from './records/batch-header.js';
import { ErrorCode, KafkaError } from '../common/errors.js';

// Inputs of the python vectors below: PYTHON_DATA (200000 bytes); snappy vectors use its first 70000.
const PYTHON_DATA = Buffer.from('kafka lz4 linked block test '.repeat(8000)).subarray(0, 200000);
const PYTHON_DATA_SHA256 = 'e3280a204fd4e3fbe8a32fa471cf382fd5779eb1d35558f78275a0bc67a699d7';

// Generated with Debian's python3-kafka 2.0.2, python3-lz4 4.0.2, python3-snappy 0.5.3, python3-zstandard 0.20:
//   lz4Linked         lz4.frame.compress(data, block_linked=True, content_checksum=True, block_checksum=True)
//   lz4KafkaPython    kafka.codec.lz4_encode(data)            (independent blocks, content size)
//   lz4OldKafka       kafka.codec.lz4_encode_old_kafka(data)  (magic v0: wrong header checksum)
//   zstdNoContentSize zstandard.ZstdCompressor(write_content_size=False).compress(data)
//   zstdStreamed      ZstdCompressor().compressobj(): compress(data) + flush()
//   snappyRaw         snappy.compress(data[:70000])           (what librdkafka sends)
//   snappyXerial      kafka.codec.snappy_encode(data[:70000]) (xerial framing, 32 KiB chunks)
//   gzip              kafka.codec.gzip_encode(data)
const PYTHON_VECTORS = {
  lz4Linked:
    '04224d185c40400d030000000000dc27010000ff0d6b61666b61206c7a34206c696e6b656420626c6f636b2074657374' +
    '201c00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffcc50696e6b6564889aa75c0a0100000ff0ffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffe850206b61666b5433e2e60a0100000f1c00ffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe8506420626c6fec69' +
    '071d170000000ff0ffffffffffffffffffffffffffff35506f636b2074412c573900000000f64aee9a',
  lz4KafkaPython:
    '04224d186840400d030000000000bd27010000ff0d6b61666b61206c7a34206c696e6b656420626c6f636b2074657374' +
    '201c00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffcc50696e6b656427010000ff0d20626c6f636b2074657374206b61666b' +
    '61206c7a34206c696e6b65641c00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffcc50206b61666b27010000ff0d61206c7a34' +
    '206c696e6b656420626c6f636b2074657374206b61666b1c00ffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffcc506420626c6f' +
    '34000000ff0d636b2074657374206b61666b61206c7a34206c696e6b656420626c6f1c00ffffffffffffffffffffffff' +
    'ff19506f636b207400000000',
  lz4OldKafka:
    '04224d1860401a27010000ff0d6b61666b61206c7a34206c696e6b656420626c6f636b2074657374201c00ffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffcc50696e6b656427010000ff0d20626c6f636b2074657374206b61666b61206c7a34206c69' +
    '6e6b65641c00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffcc50206b61666b27010000ff0d61206c7a34206c696e6b656420' +
    '626c6f636b2074657374206b61666b1c00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffcc506420626c6f34000000ff0d636b' +
    '2074657374206b61666b61206c7a34206c696e6b656420626c6f1c00ffffffffffffffffffffffffff19506f636b2074' +
    '00000000',
  zstdNoContentSize:
    '28b52ffd0040240100e06b61666b61206c7a34206c696e6b656420626c6f636b207465737420010084ff7f3e9d4d0000' +
    '086101003c0d391002',
  zstdStreamed:
    '28b52ffd0058240100e06b61666b61206c7a34206c696e6b656420626c6f636b207465737420010084ff7f3e9d4d0000' +
    '086101003c0d391002',
  snappyRaw:
    'f0a2046c6b61666b61206c7a34206c696e6b656420626c6f636b207465737420fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe' +
    '1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c008e1c006c20626c6f636b2074657374206b6166' +
    '6b61206c7a34206c696e6b6564fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c004e1c00',
  snappyXerial:
    '82534e41505059000000000100000001000006208080026c6b61666b61206c7a34206c696e6b656420626c6f636b2074' +
    '65737420fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '008e1c00000006208080026c34206c696e6b656420626c6f636b2074657374206b61666b61206c7afe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c' +
    '00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c008e1c00000000f1f0226c20' +
    '626c6f636b2074657374206b61666b61206c7a34206c696e6b6564fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00' +
    'fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00' +
    'fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00' +
    'fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00' +
    'fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c00fe1c004e1c00',
  gzip:
    '1f8b0800c452026b02ffedc9b10d80300c00b05772040f1528124a44073a713d0ff4047b75b62b5bd4b745dd4ff633f6' +
    '1a47c6ecef8c74ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce' +
    '39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c' +
    '73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39' +
    'e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73' +
    'ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e7' +
    '9c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce' +
    '39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c' +
    '73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39' +
    'e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73' +
    'ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e79c73ce39e7' +
    '9c73ce39e79c73ce39e7dcf27e911101e0400d0300',
} as const;

function hex(name: keyof typeof PYTHON_VECTORS): Buffer {
  return Buffer.from(PYTHON_VECTORS[name], 'hex');
}

function isCorrupt(err: unknown): boolean {
  return err instanceof KafkaError && err.code === ErrorCode.CORRUPT_MESSAGE;
}

test('python input data is what the vectors were made from', () => {
  assert.equal(createHash('sha256').update(PYTHON_DATA).digest('hex'), PYTHON_DATA_SHA256);
});

const PYTHON_CASES: [keyof typeof PYTHON_VECTORS, number, Buffer][] = [
  ['lz4Linked', CompressionType.lz4, PYTHON_DATA],
  ['lz4KafkaPython', CompressionType.lz4, PYTHON_DATA],
  ['lz4OldKafka', CompressionType.lz4, PYTHON_DATA],
  ['zstdNoContentSize', CompressionType.zstd, PYTHON_DATA],
  ['zstdStreamed', CompressionType.zstd, PYTHON_DATA],
  ['snappyRaw', CompressionType.snappy, PYTHON_DATA.subarray(0, 70000)],
  ['snappyXerial', CompressionType.snappy, PYTHON_DATA.subarray(0, 70000)],
  ['gzip', CompressionType.gzip, PYTHON_DATA],
];

for (const [name, codec, expected] of PYTHON_CASES) {
  test(`decompresses python ${name}`, async () => {
    assert.deepEqual(await decompress(codec, hex(name)), expected);
  });

  test(`python ${name} above maxBytes is refused`, async () => {
    await assert.rejects(decompress(codec, hex(name), expected.length - 1), isCorrupt);
  });
}

/** Mulberry32: a tiny seeded PRNG so a failing fuzz case replays exactly. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Incompressible bytes from a fixed seed. */
function noise(sizeBytes: number): Buffer {
  const random = prng(7);
  return Buffer.from(Array.from({ length: sizeBytes }, () => Math.floor(random() * 256)));
}

const SAMPLES = [
  Buffer.alloc(0),
  Buffer.from('x'),
  Buffer.from('abc'.repeat(50_000)),
  noise(150_000),
];

for (const codec of [CompressionType.none, CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd]) {
  test(`codec ${codec} round trips`, async () => {
    for (const sample of SAMPLES) {
      assert.deepEqual(await decompress(codec, await compress(codec, sample)), sample);
    }
  });
}

test('snappy output uses xerial framing with 32 KiB chunks', async () => {
  const out = await compress(CompressionType.snappy, Buffer.from('abc'.repeat(50_000)));
  assert.equal(out.subarray(0, 16).toString('hex'), '82534e415050590000000001' + '00000001');
  const firstChunkBytes = out.readInt32BE(16);
  const firstChunk = out.subarray(20, 20 + firstChunkBytes);
  assert.equal((firstChunk[0]! & 0x7f) | ((firstChunk[1]! & 0x7f) << 7) | (firstChunk[2]! << 14), 32 * 1024);
});

test('lz4 output is a frame Kafka reads: independent 64 KiB blocks, no checksums', async () => {
  const input = noise(150_000);
  const out = await compress(CompressionType.lz4, input);
  assert.equal(out.subarray(0, 7).toString('hex'), '04224d18604082');
  // incompressible: stored blocks of 64 KiB, 64 KiB, rest; then the end mark
  assert.equal(out.readUInt32LE(7), (0x80000000 | 65536) >>> 0);
  assert.equal(out.readUInt32LE(out.length - 4), 0);
  assert.equal(out.length, 7 + 3 * 4 + input.length + 4);
});

test('zstd output bound tracks real output for our own frames', async () => {
  const input = Buffer.from('abc'.repeat(100_000));
  const out = await compress(CompressionType.zstd, input);
  assert.ok(zstdOutputBound(out) >= input.length);
  assert.ok(zstdOutputBound(hex('zstdNoContentSize')) >= PYTHON_DATA.length);
});

test('zstd bomb without content size is refused before decompressing', async () => {
  // 100 RLE blocks of 128 KiB each: 400 bytes that would expand to 12.5 MiB.
  const blocks: Buffer[] = [Buffer.from('28b52ffd0000', 'hex')]; // magic, descriptor, window 1 KiB
  blocks[0]![5] = 0x58; // window descriptor: 2^(10+11) = 2 MiB
  for (let i = 0; i < 100; i++) {
    const last = i === 99 ? 1 : 0;
    const header = ((128 * 1024) << 3) | (1 << 1) | last;
    blocks.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x41]));
  }
  const bomb = Buffer.concat(blocks);
  assert.equal(zstdOutputBound(bomb), 100 * 128 * 1024);
  await assert.rejects(decompress(CompressionType.zstd, bomb, 1024 * 1024), isCorrupt);
  assert.equal((await decompress(CompressionType.zstd, bomb)).length, 100 * 128 * 1024);
});

test('gzip bomb is stopped at maxBytes', async () => {
  const bomb = await compress(CompressionType.gzip, Buffer.alloc(8 * 1024 * 1024));
  await assert.rejects(decompress(CompressionType.gzip, bomb, 1024 * 1024), isCorrupt);
});

test('unknown codec ids are UNSUPPORTED_COMPRESSION_TYPE', async () => {
  for (const codec of [5, 6, 7, -1]) {
    await assert.rejects(compress(codec, Buffer.from('x')), (err: unknown) => {
      return err instanceof KafkaError && err.code === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
    });
    await assert.rejects(decompress(codec, Buffer.from('x')), (err: unknown) => {
      return err instanceof KafkaError && err.code === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
    });
  }
});

test('garbage and mutated input only ever throws KafkaError(CORRUPT_MESSAGE)', async () => {
  const random = prng(20240601);
  const inputs = PYTHON_CASES.map(([name, codec]) => [codec, hex(name)] as const);
  for (let i = 0; i < 600; i++) {
    const [codec, original] = inputs[i % inputs.length]!;
    const mutated = Buffer.from(original.subarray(0, Math.max(1, Math.floor(random() * original.length * 1.1))));
    const flips = 1 + Math.floor(random() * 4);
    for (let f = 0; f < flips; f++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
    try {
      const out = await decompress(codec, mutated, 1024 * 1024);
      assert.ok(out.length <= 1024 * 1024);
    } catch (err) {
      assert.ok(isCorrupt(err), `seed case ${i} codec ${codec}: ${String(err)}`);
    }
  }
  for (const codec of [CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd]) {
    for (const garbage of [Buffer.alloc(0), Buffer.from('garbage input that is not compressed')]) {
      await assert.rejects(decompress(codec, garbage), isCorrupt);
    }
  }
});

test('zstd frames carry their content size (kafka-python needs it above 1 MiB)', async () => {
  for (const sizeBytes of [1, 1000, 2 * 1024 * 1024]) {
    const input = Buffer.alloc(sizeBytes, 'z');
    const frame = await compress(CompressionType.zstd, input);
    assert.equal(frame[4]! & 0xe0, 0x80, `descriptor of ${sizeBytes}`); // 4-byte content size, not single-segment
    assert.equal(frame.readUInt32LE(6), sizeBytes);
    assert.deepEqual(await decompress(CompressionType.zstd, frame), input);
  }
});
