-- The Iceberg REST catalog; S3 credentials come from the AWS_* environment of the cluster.
CREATE CATALOG lakehouse WITH (
  'type' = 'iceberg',
  'catalog-type' = 'rest',
  'uri' = '{{catalogUri}}',
  'warehouse' = '{{warehouse}}',
  'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO',
  's3.endpoint' = '{{s3Endpoint}}',
  's3.path-style-access' = 'true',
  'client.region' = '{{region}}'
);

CREATE DATABASE IF NOT EXISTS lakehouse.{{rawDatabase}};
CREATE DATABASE IF NOT EXISTS lakehouse.{{stateDatabase}};
