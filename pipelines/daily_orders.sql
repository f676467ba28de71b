-- description: Paid orders and revenue per day (money as exact decimals)
-- grain: day
-- realtime: true
SELECT
  event_date,
  count(DISTINCT order_id) AS orders,
  sum(CAST(amount AS DECIMAL(18, 2))) AS revenue
FROM events
WHERE event_type = 'PaymentSucceeded'
GROUP BY event_date
