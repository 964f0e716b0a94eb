import type { Tool } from '../tool.js';
import { topicsTool } from './topics.js';
import { configsTool } from './configs.js';
import { getOffsetsTool } from './get-offsets.js';
import { consumerGroupsTool } from './consumer-groups.js';
import { consoleProducerTool } from './console-producer.js';
import { consoleConsumerTool } from './console-consumer.js';

/** Every tool of the CLI, in `samsa --help` order. Each lives in its own file in this folder. */
export const TOOLS: readonly Tool[] = [topicsTool, configsTool, getOffsetsTool, consumerGroupsTool, consoleProducerTool, consoleConsumerTool];
