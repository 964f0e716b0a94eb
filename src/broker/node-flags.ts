/**
 * The Node/V8 flags a Samsa broker process runs with, as Kafka's start script gives the JVM a
 * fixed heap (`KAFKA_HEAP_OPTS=-Xmx1G -Xms1G`): an initial old-generation size of 128 MiB.
 *
 * Why: a broker allocates buffers quickly (every socket read of a produce request, every replica
 * fetch), which V8 counts toward its collection limits; with the default limits, sized on a heap
 * of about 10 MB, a 3-node cluster under the course's load test ran a full mark-compact every
 * ~60 ms on every node, 15-25% of each broker's time, and reached ~105 MB/s; with this floor the
 * collections come far apart and the same test reaches ~140 MB/s (bench/RESULTS.md). It is a
 * limit, not a reservation: an idle broker stays as small as before.
 *
 * `samsa cluster` (so `npm start`), `npm run start:single` and the test and benchmark harnesses
 * start brokers with these flags. V8 takes them only on the command line (not in NODE_OPTIONS,
 * not at run time): to start `samsa server` by hand, run `node --initial-old-space-size=128
 * bin/samsa.js server ...`.
 */
export const BROKER_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=128'];
