-- description: Website visits and distinct visitors per calendar month
-- grain: month
-- realtime: false
SELECT
  CAST(date_trunc('month', event_date) AS DATE) AS month_start,
  count(*) AS visits,
  count(DISTINCT user_id) AS visitors
FROM events
WHERE event_type = 'UserVisitedWebsite'
GROUP BY month_start
