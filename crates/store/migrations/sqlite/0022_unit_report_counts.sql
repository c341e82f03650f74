-- Progress reports counted per campaign, reporting unit and week (the Monday of the week in
-- China Standard Time, `2023-04-03`) as they are written, so the dashboard's weekly trend
-- follows the drill-down: a unit's subtree sums its units' counters over twelve weeks, without
-- counting events. Filled here from the events already recorded.

CREATE TABLE unit_report_counts (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    unit_id     BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    week        TEXT NOT NULL,
    reports     BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, week)
);

INSERT INTO unit_report_counts (campaign_id, unit_id, week, reports)
SELECT i.campaign_id, a.unit_id, DATE(e.at, '+8 hours', '-6 days', 'weekday 1'), COUNT(*)
FROM assignment_events e
JOIN assignments a ON a.id = e.assignment_id
JOIN plan_items i ON i.id = a.item_id
WHERE e.step IN ('update', 'report')
GROUP BY i.campaign_id, a.unit_id, DATE(e.at, '+8 hours', '-6 days', 'weekday 1');
