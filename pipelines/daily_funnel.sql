-- description: Distinct users at each step of the funnel per day
-- grain: day
-- realtime: true
SELECT
  event_date,
  count(DISTINCT user_id) FILTER (WHERE event_type = 'UserVisitedWebsite') AS visitors,
  count(DISTINCT user_id) FILTER (WHERE event_type = 'ItemAddedToCart') AS carted,
  count(DISTINCT user_id) FILTER (WHERE event_type = 'CheckOutCart') AS checked_out,
  count(DISTINCT user_id) FILTER (WHERE event_type = 'PaymentSucceeded') AS paid
FROM events
GROUP BY event_date
