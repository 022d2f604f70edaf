SET 'pipeline.name' = 'gmall-to-ods';

SET 'execution.checkpointing.interval' = '10 s';

CREATE TEMPORARY TABLE `src_gmall_orders_1_append` (
  `id` BIGINT NOT NULL,
  `user_id` INT NOT NULL,
  `sku` VARCHAR(64),
  `amount` DECIMAL(10, 2) NOT NULL,
  `status` STRING,
  `created_at` TIMESTAMP(3) NOT NULL,
  `row_kind` STRING NOT NULL METADATA FROM 'row_kind' VIRTUAL,
  `op_ts` TIMESTAMP_LTZ(3) NOT NULL METADATA FROM 'op_ts' VIRTUAL,
  `table_name` STRING NOT NULL METADATA FROM 'table_name' VIRTUAL,
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
  'scan.startup.mode' = 'specific-offset',
  'scan.startup.specific-offset.gtid-set' = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23',
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
  `table_name` STRING NOT NULL METADATA FROM 'table_name' VIRTUAL,
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
  'scan.startup.mode' = 'specific-offset',
  'scan.startup.specific-offset.gtid-set' = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23',
  'scan.read-changelog-as-append-only.enabled' = 'true'
);

CREATE TEMPORARY TABLE `src_gmall_user_info` (
  `id` BIGINT NOT NULL,
  `name` VARCHAR(32),
  `vip` TINYINT,
  `updated` TIMESTAMP_LTZ(0),
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
  'scan.startup.mode' = 'specific-offset',
  'scan.startup.specific-offset.gtid-set' = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23'
);

CREATE TEMPORARY TABLE `sink_warehouse_ods_orders` (
  `id` BIGINT NOT NULL,
  `user_id` INT NOT NULL,
  `sku` VARCHAR(64),
  `cents` DECIMAL(13, 2),
  `status` STRING,
  `shard` VARCHAR(64),
  `_version` BIGINT NOT NULL,
  `_is_deleted` TINYINT NOT NULL
) WITH (
  'connector' = 'clickhouse',
  'url' = 'clickhouse://ch.internal:8123',
  'database-name' = 'ods',
  'table-name' = 'orders',
  'username' = 'default',
  'password' = '<redacted>',
  'sink.batch-size' = '5000',
  'sink.flush-interval' = '1 s'
);

CREATE TEMPORARY TABLE `sink_console_debug_user_info` (
  `id` BIGINT NOT NULL,
  `name` VARCHAR(32),
  `vip` TINYINT,
  `updated` TIMESTAMP_LTZ(0)
) WITH (
  'connector' = 'print',
  'print-identifier' = 'debug.user_info'
);

EXECUTE STATEMENT SET
BEGIN
INSERT INTO `sink_warehouse_ods_orders`
SELECT `id`, `user_id`, UPPER(`sku`) AS `sku`, `amount` * 100 AS `cents`, `status`, `table_name` AS `shard`,
  CAST(457396837154816 + CASE WHEN `op_ts` = TO_TIMESTAMP_LTZ(0, 3) THEN 0 ELSE 1 END AS BIGINT) AS `_version`,
  CAST(CASE WHEN `row_kind` IN ('-U', '-D') THEN 1 ELSE 0 END AS TINYINT) AS `_is_deleted`
FROM `src_gmall_orders_1_append`
WHERE `status` <> 'cancelled';
INSERT INTO `sink_warehouse_ods_orders`
SELECT `id`, `user_id`, UPPER(`sku`) AS `sku`, `amount` * 100 AS `cents`, `status`, `table_name` AS `shard`,
  CAST(457396837154816 + CASE WHEN `op_ts` = TO_TIMESTAMP_LTZ(0, 3) THEN 0 ELSE 1 END AS BIGINT) AS `_version`,
  CAST(CASE WHEN `row_kind` IN ('-U', '-D') THEN 1 ELSE 0 END AS TINYINT) AS `_is_deleted`
FROM `src_gmall_orders_2_append`
WHERE `status` <> 'cancelled';
INSERT INTO `sink_console_debug_user_info`
SELECT `id`, `name`, `vip`, `updated`
FROM `src_gmall_user_info`
WHERE `vip` = 1 AND `name` LIKE 'a%';
END;
