-- Progress reports counted per campaign and UTC hour as they are written, so the dashboard's
-- weekly trend reads at most a few thousand counters instead of counting millions of events
-- (docs/benchmarks.md). `hour` is the first 13 characters of the stored timestamp
-- (`2023-04-02T08`). Filled here from the events already recorded.

CREATE TABLE report_counts (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    hour        TEXT NOT NULL,
    reports     BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, hour)
);

INSERT INTO report_counts (campaign_id, hour, reports)
SELECT i.campaign_id, SUBSTR(e.at, 1, 13), COUNT(*)
FROM assignment_events e
JOIN assignments a ON a.id = e.assignment_id
JOIN plan_items i ON i.id = a.item_id
WHERE e.step IN ('update', 'report')
GROUP BY i.campaign_id, SUBSTR(e.at, 1, 13);
