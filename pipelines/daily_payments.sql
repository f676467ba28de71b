-- description: Payments initiated, succeeded and failed per day, and the failure rate
-- grain: day
-- realtime: true
SELECT
  event_date,
  count(*) FILTER (WHERE event_type = 'PaymentInitiated') AS initiated,
  count(*) FILTER (WHERE event_type = 'PaymentSucceeded') AS succeeded,
  count(*) FILTER (WHERE event_type = 'PaymentFailed') AS failed,
  failed / nullif(succeeded + failed, 0) AS failure_rate
FROM events
WHERE event_type IN ('PaymentInitiated', 'PaymentSucceeded', 'PaymentFailed')
GROUP BY event_date
