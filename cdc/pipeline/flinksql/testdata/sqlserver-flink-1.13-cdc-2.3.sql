SET 'pipeline.name' = 'inventory';

CREATE TEMPORARY TABLE `src_dbo_products` (
  `id` INT NOT NULL,
  `name` VARCHAR(255) NOT NULL,
  `weight` DECIMAL(10, 3),
  PRIMARY KEY (`id`) NOT ENFORCED
) WITH (
  'connector' = 'sqlserver-cdc',
  'hostname' = 'mssql.internal',
  'port' = '1433',
  'username' = 'sa',
  'password' = '<redacted>',
  'database-name' = 'inventory',
  'schema-name' = 'dbo',
  'table-name' = 'products',
  'scan.startup.mode' = 'initial'
);

CREATE TEMPORARY TABLE `sink_sink_dbo_products` (
  `id` INT NOT NULL,
  `name` VARCHAR(255) NOT NULL,
  `weight` DECIMAL(10, 3)
) WITH (
  'connector' = 'print',
  'print-identifier' = 'dbo.products'
);

INSERT INTO `sink_sink_dbo_products`
SELECT `id`, `name`, `weight`
FROM `src_dbo_products`
WHERE `weight` > 1;
