SET 'pipeline.name' = 'gmall-to-ods';

CREATE TEMPORARY TABLE `src_gmall_orders_1_append` (
  `id` BIGINT NOT NULL,
  `user_id` INT NOT NULL,
  `sku` VARCHAR(64),
  `amount` DECIMAL(10, 2) NOT NULL,
  `status` STRING,
  `created_at` TIMESTAMP(3) NOT NULL,
  `row_kind` STRING NOT NULL METADATA FROM 'row_kind' VIRTUAL,
  `op_ts` TIMESTAMP_LTZ(3) NOT NULL METADATA FROM 'op_ts' VIRTUAL,
  `database_name` STRING NOT NULL METADATA FROM 'database_name' VIRTUAL,
  PRIMARY KEY (`id`) NOT ENFORCED
) WITH (
  'connector' = 'mysql-cdc',
  'hostname' = 'mysql.internal',
  'port' = '3306',
  'username' = 'cdc',
  'password' = '<redacted>',
  'database-name' = 'gmall',
  'table-name' = 'orders_1',
  'server-id' = '5400-5403',
  'server-time-zone' = 'UTC',
  'scan.incremental.snapshot.chunk.size' = '8096',
  'scan.snapshot.fetch.size' = '1024',
  'scan.incremental.snapshot.chunk.key-column' = 'id',
  'connect.timeout' = '30 s',
  'connect.max-retries' = '3',
  'connection.pool.size' = '20',
  'heartbeat.interval' = '10 s',
  'scan.startup.mode' = 'latest-offset',
  'scan.read-changelog-as-append-only.enabled' = 'true'
);

CREATE TEMPORARY TABLE `src_gmall_orders_2_append` (
  `id` BIGINT NOT NULL,
  `user_id` INT NOT NULL,
  `sku` VARCHAR(64),
  `amount` DECIMAL(10, 2) NOT NULL,
  `status` STRING,
  `created_at` TIMESTAMP(3) NOT NULL,
  `row_kind` STRING NOT NULL METADATA FROM 'row_kind' VIRTUAL,
  `op_ts` TIMESTAMP_LTZ(3) NOT NULL METADATA FROM 'op_ts' VIRTUAL,
  `database_name` STRING NOT NULL METADATA FROM 'database_name' VIRTUAL,
  PRIMARY KEY (`id`) NOT ENFORCED
) WITH (
  'connector' = 'mysql-cdc',
  'hostname' = 'mysql.internal',
  'port' = '3306',
  'username' = 'cdc',
  'password' = '<redacted>',
  'database-name' = 'gmall',
  'table-name' = 'orders_2',
  'server-id' = '5404-5407',
  'server-time-zone' = 'UTC',
  'scan.incremental.snapshot.chunk.size' = '8096',
  'scan.snapshot.fetch.size' = '1024',
  'connect.timeout' = '30 s',
  'connect.max-retries' = '3',
  'connection.pool.size' = '20',
  'heartbeat.interval' = '10 s',
  'scan.startup.mode' = 'latest-offset',
  'scan.read-changelog-as-append-only.enabled' = 'true'
);

CREATE TEMPORARY TABLE `src_gmall_user_info_append` (
  `id` BIGINT NOT NULL,
  `name` VARCHAR(32),
  `vip` TINYINT,
  `updated` TIMESTAMP_LTZ(0),
  `row_kind` STRING NOT NULL METADATA FROM 'row_kind' VIRTUAL,
  `op_ts` TIMESTAMP_LTZ(3) NOT NULL METADATA FROM 'op_ts' VIRTUAL,
  PRIMARY KEY (`id`) NOT ENFORCED
) WITH (
  'connector' = 'mysql-cdc',
  'hostname' = 'mysql.internal',
  'port' = '3306',
  'username' = 'cdc',
  'password' = '<redacted>',
  'database-name' = 'gmall',
  'table-name' = 'user_info',
  'server-id' = '5408-5411',
  'server-time-zone' = 'UTC',
  'scan.incremental.snapshot.chunk.size' = '8096',
  'scan.snapshot.fetch.size' = '1024',
  'connect.timeout' = '30 s',
  'connect.max-retries' = '3',
  'connection.pool.size' = '20',
  'heartbeat.interval' = '10 s',
  'scan.startup.mode' = 'latest-offset',
  'scan.read-changelog-as-append-only.enabled' = 'true'
);

CREATE TEMPORARY TABLE `sink_warehouse_ods_orders` (
  `id` BIGINT NOT NULL,
  `cents` DECIMAL(13, 2),
  `sku` VARCHAR(64),
  `_version` BIGINT NOT NULL,
  `_is_deleted` TINYINT NOT NULL
) WITH (
  'connector' = 'clickhouse',
  'url' = 'clickhouse://ch.internal:8123',
  'database-name' = 'ods',
  'table-name' = 'orders'
);

CREATE TEMPORARY TABLE `sink_warehouse_gmall_user_info` (
  `id` BIGINT NOT NULL,
  `name` VARCHAR(32),
  `vip` TINYINT,
  `updated` TIMESTAMP_LTZ(0),
  `_version` BIGINT NOT NULL,
  `_is_deleted` TINYINT NOT NULL
) WITH (
  'connector' = 'clickhouse',
  'url' = 'clickhouse://ch.internal:8123',
  'database-name' = 'gmall',
  'table-name' = 'user_info'
);

EXECUTE STATEMENT SET
BEGIN
INSERT INTO `sink_warehouse_ods_orders`
SELECT `id`, `cents`, `sku`,
  CAST(35184372088832 + CASE WHEN `op_ts` = TO_TIMESTAMP_LTZ(0, 3) THEN 0 ELSE 1 END AS BIGINT) AS `_version`,
  CAST(CASE WHEN `row_kind` IN ('-U', '-D') THEN 1 ELSE 0 END AS TINYINT) AS `_is_deleted`
FROM (SELECT `id`, `amount` * 100 AS `cents`, UPPER(`sku`) AS `sku`, `status`, `database_name`, `row_kind`, `op_ts` FROM `src_gmall_orders_1_append`)
WHERE `cents` > 1000 AND `status` <> 'cancelled' AND `database_name` = 'gmall';
INSERT INTO `sink_warehouse_ods_orders`
SELECT `id`, `cents`, `sku`,
  CAST(35184372088832 + CASE WHEN `op_ts` = TO_TIMESTAMP_LTZ(0, 3) THEN 0 ELSE 1 END AS BIGINT) AS `_version`,
  CAST(CASE WHEN `row_kind` IN ('-U', '-D') THEN 1 ELSE 0 END AS TINYINT) AS `_is_deleted`
FROM (SELECT `id`, `amount` * 100 AS `cents`, UPPER(`sku`) AS `sku`, `status`, `database_name`, `row_kind`, `op_ts` FROM `src_gmall_orders_2_append`)
WHERE `cents` > 1000 AND `status` <> 'cancelled' AND `database_name` = 'gmall';
INSERT INTO `sink_warehouse_gmall_user_info`
SELECT `id`, `name`, `vip`, `updated`,
  CAST(35184372088832 + CASE WHEN `op_ts` = TO_TIMESTAMP_LTZ(0, 3) THEN 0 ELSE 1 END AS BIGINT) AS `_version`,
  CAST(CASE WHEN `row_kind` IN ('-U', '-D') THEN 1 ELSE 0 END AS TINYINT) AS `_is_deleted`
FROM `src_gmall_user_info_append`
WHERE `vip` = 1 AND `name` LIKE 'a%';
END;
