/**
 * Environment variables to config keys, following the container images people already use:
 * apache/kafka (`KAFKA_ABC_DEF` → `abc.def`, `__` → `_`, `___` → `-`, cluster id in `CLUSTER_ID`)
 * and Bitnami (`KAFKA_CFG_ABC_DEF` → `abc.def`, cluster id in `KAFKA_KRAFT_CLUSTER_ID`).
 */

/** A config entry taken from one environment variable. */
export interface EnvConfigEntry {
  readonly key: string;
  readonly value: string;
  readonly variable: string;
}

/** What the environment says: config entries plus the cluster id, if any. */
export interface EnvConfig {
  readonly entries: readonly EnvConfigEntry[];
  readonly clusterId: { readonly value: string; readonly variable: string } | undefined;
}

/** KAFKA_ variables that configure the image or the JVM, not the broker. */
export const NON_CONFIG_VARIABLES: ReadonlySet<string> = new Set([
  // apache/kafka image (docker/resources/common-scripts/kafka-propertiesSpec.json) and bin/kafka-run-class.sh
  'KAFKA_VERSION', 'KAFKA_HEAP_OPTS', 'KAFKA_HEAP_OPT', 'KAFKA_OPTS', 'KAFKA_JMX_OPTS', 'KAFKA_JVM_PERFORMANCE_OPTS',
  'KAFKA_GC_LOG_OPTS', 'KAFKA_LOG4J_OPTS', 'KAFKA_LOG4J_ROOT_LOGLEVEL', 'KAFKA_LOG4J_LOGGERS',
  'KAFKA_TOOLS_LOG4J_LOGLEVEL', 'KAFKA_DEBUG', 'KAFKA_HOME', 'KAFKA_CHECKSUM', 'KAFKA_JMX_PORT', 'KAFKA_JMX_HOSTNAME',
  'KAFKA_LOG_DIR_OPTS', 'KAFKA_CLASSPATH', 'JAVA_DEBUG_OPTS',
  // apache/kafka image SSL helpers (file names under /etc/kafka/secrets)
  'KAFKA_SSL_KEYSTORE_FILENAME', 'KAFKA_SSL_KEY_CREDENTIALS', 'KAFKA_SSL_KEYSTORE_CREDENTIALS',
  'KAFKA_SSL_TRUSTSTORE_FILENAME', 'KAFKA_SSL_TRUSTSTORE_CREDENTIALS',
  // Bitnami image settings that are not broker configs
  'KAFKA_ENABLE_KRAFT', 'KAFKA_KRAFT_CLUSTER_ID', 'KAFKA_CLUSTER_ID', 'KAFKA_CLIENT_USERS', 'KAFKA_CLIENT_PASSWORDS',
  'KAFKA_CLIENT_LISTENER_NAME', 'KAFKA_INTER_BROKER_USER', 'KAFKA_INTER_BROKER_PASSWORD', 'KAFKA_CONTROLLER_USER',
  'KAFKA_CONTROLLER_PASSWORD', 'KAFKA_CERTIFICATE_PASSWORD', 'KAFKA_TLS_TYPE', 'KAFKA_TLS_CLIENT_AUTH',
  'KAFKA_TLS_TRUSTSTORE_FILE', 'KAFKA_MOUNTED_CONF_DIR', 'KAFKA_SKIP_KRAFT_STORAGE_INIT', 'KAFKA_INITSCRIPTS_DIR',
  'KAFKA_KRAFT_BOOTSTRAP_SCRAM_USERS', 'KAFKA_CONF_FILE', 'KAFKA_BASE_DIR', 'KAFKA_VOLUME_DIR', 'KAFKA_DATA_DIR',
  'KAFKA_CONF_DIR', 'KAFKA_DAEMON_USER', 'KAFKA_DAEMON_GROUP',
]);

/** Variables Kubernetes injects for a Service named "kafka" (`KAFKA_PORT=tcp://...`, `KAFKA_SERVICE_HOST`). */
const KUBERNETES_SERVICE_VARIABLE = /^KAFKA_(SERVICE_HOST|SERVICE_PORT(_.*)?|PORT(_\d+_(TCP|UDP|SCTP)(_.*)?)?)$/;

const BITNAMI_PREFIX = 'KAFKA_CFG_';
const APACHE_PREFIX = 'KAFKA_';

/** Cluster id variables, most specific first. */
const CLUSTER_ID_VARIABLES = ['CLUSTER_ID', 'KAFKA_KRAFT_CLUSTER_ID', 'KAFKA_CLUSTER_ID'] as const;

/** apache/kafka form: strip KAFKA_, then `___`→`-`, `__`→`_`, `_`→`.` (in that order), lower-case. */
export function apacheEnvVarToConfigKey(variable: string): string {
  return variable
    .slice(APACHE_PREFIX.length)
    .replaceAll('___', '-')
    .replaceAll('__', '\u0000')
    .replaceAll('_', '.')
    .replaceAll('\u0000', '_')
    .toLowerCase();
}

/** Bitnami form: strip KAFKA_CFG_, `_`→`.`, lower-case, then `sasl.ssl`→`sasl_ssl`, `sasl.plaintext`→`sasl_plaintext`. */
export function bitnamiEnvVarToConfigKey(variable: string): string {
  return variable
    .slice(BITNAMI_PREFIX.length)
    .replaceAll('_', '.')
    .toLowerCase()
    .replaceAll('sasl.ssl', 'sasl_ssl')
    .replaceAll('sasl.plaintext', 'sasl_plaintext');
}

/** True for a KAFKA_ variable that is meant as a broker config (not a JVM, image or Kubernetes variable). */
export function isConfigVariable(variable: string): boolean {
  return (
    variable.startsWith(APACHE_PREFIX) &&
    !NON_CONFIG_VARIABLES.has(variable) &&
    !KUBERNETES_SERVICE_VARIABLE.test(variable)
  );
}

/**
 * Reads config entries from the environment. Empty variables count as unset. When both forms name
 * the same key, the apache/kafka form wins. Entries are sorted by variable name, so the result is
 * deterministic; keys are not checked here (the loader reports unknown ones with the variable).
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): EnvConfig {
  const byKey = new Map<string, EnvConfigEntry>();
  const variables = Object.keys(env).filter(isConfigVariable).sort();
  const bitnami = variables.filter((variable) => variable.startsWith(BITNAMI_PREFIX));
  const apache = variables.filter((variable) => !variable.startsWith(BITNAMI_PREFIX));
  for (const [list, toKey] of [[bitnami, bitnamiEnvVarToConfigKey], [apache, apacheEnvVarToConfigKey]] as const) {
    for (const variable of list) {
      const value = env[variable];
      if (value === undefined || value === '') continue;
      const key = toKey(variable);
      byKey.set(key, { key, value, variable });
    }
  }
  return { entries: [...byKey.values()], clusterId: clusterIdFromEnv(env) };
}

function clusterIdFromEnv(env: Readonly<Record<string, string | undefined>>): EnvConfig['clusterId'] {
  for (const variable of CLUSTER_ID_VARIABLES) {
    const value = env[variable]?.trim();
    if (value) return { value, variable };
  }
  return undefined;
}
