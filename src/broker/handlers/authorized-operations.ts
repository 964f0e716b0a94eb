/** Kafka's AclOperation codes, as bit positions of the authorized-operations bitfields. */
const AclOperation = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;

function bits(...ops: number[]): number {
  return ops.reduce((acc, op) => acc | (1 << op), 0);
}

/** The value meaning "not requested" (Integer.MIN_VALUE). */
export const OMITTED_AUTHORIZED_OPERATIONS = -2147483648;

/** Every operation a topic allows; without an authorizer, all of them are allowed. */
export const TOPIC_AUTHORIZED_OPERATIONS = bits(
  AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DELETE, AclOperation.ALTER,
  AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS,
);

/** Every operation the cluster resource allows. */
export const CLUSTER_AUTHORIZED_OPERATIONS = bits(
  AclOperation.CREATE, AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.CLUSTER_ACTION,
  AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE,
);
