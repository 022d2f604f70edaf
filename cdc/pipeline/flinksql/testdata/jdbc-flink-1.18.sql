SET 'pipeline.name' = 'gmall-to-ods';

SET 'parallelism.default' = '4';

SET 'execution.checkpointing.interval' = '30 s';

SET 'restart-strategy.type' = 'fixed-delay';

SET 'restart-strategy.fixed-delay.attempts' = '5';

SET 'restart-strategy.fixed-delay.delay' = '2 s';

CREATE TEMPORARY TABLE `src_gmall_orders_1` (
  `id` BIGINT NOT NULL,
  `user_id` INT NOT NULL,
  `sku` VARCHAR(64),
  `amount` DECIMAL(10, 2) NOT NULL,
  `status` STRING,
  `created_at` TIMESTAMP(3) NOT NULL,
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
  'scan.startup.mode' = 'initial'
);

CREATE TEMPORARY TABLE `src_gmall_orders_2` (
  `id` BIGINT NOT NULL,
  `user_id` INT NOT NULL,
  `sku` VARCHAR(64),
  `amount` DECIMAL(10, 2) NOT NULL,
  `status` STRING,
  `created_at` TIMESTAMP(3) NOT NULL,
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
  'scan.startup.mode' = 'initial'
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
  'scan.startup.mode' = 'initial'
);

CREATE TEMPORARY TABLE `sink_warehouse_ods_orders` (
  `id` BIGINT NOT NULL,
  `user_id` INT NOT NULL,
  `sku` VARCHAR(64),
  `cents` DECIMAL(13, 2),
  `status` STRING,
  `shard` VARCHAR(64),
  PRIMARY KEY (`id`) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = 'jdbc:mysql://ods.internal:3306/ods',
  'table-name' = 'ods.orders',
  'username' = 'ods',
  'password' = '<redacted>',
  'sink.buffer-flush.max-rows' = '500',
  'sink.buffer-flush.interval' = '2 s'
);

CREATE TEMPORARY TABLE `sink_warehouse_gmall_user_info` (
  `id` BIGINT NOT NULL,
  `name` VARCHAR(32),
  `vip` TINYINT,
  `updated` TIMESTAMP_LTZ(0),
  PRIMARY KEY (`id`) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = 'jdbc:mysql://ods.internal:3306/ods',
  'table-name' = 'gmall.user_info',
  'username' = 'ods',
  'password' = '<redacted>',
  'sink.buffer-flush.max-rows' = '500',
  'sink.buffer-flush.interval' = '2 s'
);

EXECUTE STATEMENT SET
BEGIN
INSERT INTO `sink_warehouse_ods_orders`
SELECT `id`, `user_id`, UPPER(`sku`) AS `sku`, `amount` * 100 AS `cents`, `status`, `table_name` AS `shard`
FROM `src_gmall_orders_1`
WHERE `status` <> 'cancelled';
INSERT INTO `sink_warehouse_ods_orders`
SELECT `id`, `user_id`, UPPER(`sku`) AS `sku`, `amount` * 100 AS `cents`, `status`, `table_name` AS `shard`
FROM `src_gmall_orders_2`
WHERE `status` <> 'cancelled';
INSERT INTO `sink_warehouse_gmall_user_info`
SELECT `id`, `name`, `vip`, `updated`
FROM `src_gmall_user_info`
WHERE `vip` = 1 AND `name` LIKE 'a%';
END;
