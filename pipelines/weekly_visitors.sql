-- description: Website visits and distinct visitors per ISO week (weeks start on Monday)
-- grain: week
-- realtime: true
SELECT
  CAST(date_trunc('week', event_date) AS DATE) AS week_start,
  count(*) AS visits,
  count(DISTINCT user_id) AS visitors
FROM events
WHERE event_type = 'UserVisitedWebsite'
GROUP BY week_start
