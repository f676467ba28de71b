-- description: Website visits and distinct visitors per day
-- grain: day
-- realtime: true
SELECT
  event_date,
  count(*) AS visits,
  count(DISTINCT user_id) AS visitors
FROM events
WHERE event_type = 'UserVisitedWebsite'
GROUP BY event_date
