// Policy checks as cdktf Aspects: one rule per file, a pack that runs them, reasoned suppressions.
export * from "./rule";
export * from "./suppressions";
export * from "./pack";
export { STATEFUL_IMAGE_NAMES } from "./inspect";
export * from "./image-pinned";
export * from "./loopback-host-ports";
export * from "./sensitive-credential-outputs";
export * from "./no-literal-credentials";
export * from "./credential-files";
export * from "./kubernetes-resources";
export * from "./kubernetes-network-policy";
export * from "./kubernetes-disruption-budget";
export * from "./kubernetes-pod-security";
export * from "./stateful-persistence";
export * from "./trino-authentication";
export * from "./lakehouse-policy";
