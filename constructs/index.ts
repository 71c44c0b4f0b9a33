// Public API of lakehouse-cdc: constructs for each layer, the composed Lakehouse, and the platform seam.
export * from "./platform/workload";
export * from "./platform/docker";
export * from "./platform/kubernetes";
export * from "./images";
export * from "./schema";
export * from "./validation";
export * from "./analytics";
export * from "./source-db";
export * from "./cdc-connector";
export * from "./iceberg-warehouse";
export * from "./stream-job";
export * from "./query-engine";
export * from "./transformations";
export * from "./orchestrator";
export * from "./dashboards";
export * from "./lakehouse";
export * from "./policy";
