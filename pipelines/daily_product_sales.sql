-- description: Orders, units and revenue per product per day, from the items of successful payments
-- grain: day
-- realtime: true
SELECT
  event_date,
  item.product_id,
  count(DISTINCT order_id) AS orders,
  CAST(sum(item.quantity) AS BIGINT) AS units,
  sum(item.quantity * item.price) AS revenue
FROM (
  SELECT
    event_date,
    order_id,
    unnest(CAST(CAST(items AS JSON) AS STRUCT(product_id VARCHAR, quantity BIGINT, price DECIMAL(18, 2))[])) AS item
  FROM events
  WHERE event_type = 'PaymentSucceeded'
)
GROUP BY event_date, item.product_id
