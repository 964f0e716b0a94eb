import type { Tool } from '../tool.js';
import { topicsTool } from './topics.js';
import { configsTool } from './configs.js';
import { getOffsetsTool } from './get-offsets.js';
import { consumerGroupsTool } from './consumer-groups.js';
import { consoleProducerTool } from './console-producer.js';
import { consoleConsumerTool } from './console-consumer.js';
import { producerPerfTestTool } from './producer-perf-test.js';
import { consumerPerfTestTool } from './consumer-perf-test.js';
import { endToEndLatencyTool, e2eLatencyTool } from './end-to-end-latency.js';
import { dumpLogTool } from './dump-log.js';
import { metadataQuorumTool } from './metadata-quorum.js';
import { leaderElectionTool } from './leader-election.js';
import { reassignPartitionsTool } from './reassign-partitions.js';

/** Every tool of the CLI, in `samsa --help` order. Each lives in its own file in this folder. */
export const TOOLS: readonly Tool[] = [topicsTool, configsTool, getOffsetsTool, consumerGroupsTool, consoleProducerTool, consoleConsumerTool, producerPerfTestTool, consumerPerfTestTool, endToEndLatencyTool, e2eLatencyTool, dumpLogTool, metadataQuorumTool, leaderElectionTool, reassignPartitionsTool];
