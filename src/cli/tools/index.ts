import type { Tool } from '../tool.js';
import { topicsTool } from './topics.js';

/** Every tool of the CLI, in `samsa --help` order. Each lives in its own file in this folder. */
export const TOOLS: readonly Tool[] = [topicsTool];
