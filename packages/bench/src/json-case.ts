/*
 * Everything the project writes as JSON is snake_case (results.json, the protocol); the benchmark's code
 * keeps TypeScript's camelCase and converts at the file's edge, so the types stay idiomatic and the file
 * matches the matrix's. Only keys change; values (backend names such as "supervisor-nocgroup", ratio keys
 * such as "supervisor/baseline") have no capitals or underscores and pass through both ways unchanged.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const mapKeys = (value: unknown, key: (k: string) => string): Json => {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, key))
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [key(k), mapKeys(v, key)]))
  }
  return value as Json
}

/** `sidecarCpuMsPerGb` -> `sidecar_cpu_ms_per_gb`, recursively. */
export const toSnakeKeys = (value: unknown): Json => mapKeys(value, (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))

/** `sidecar_cpu_ms_per_gb` -> `sidecarCpuMsPerGb`, recursively; keys without underscores are left as they are. */
export const toCamelKeys = (value: unknown): Json => mapKeys(value, (k) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()))
