-- A list of assignments reads its page in the order it shows them, most urgent first (open
-- before closed, earliest deadline first), instead of sorting every assignment in view: the
-- office's list of a national campaign sorted a million of them for every page (issue 16).
-- The expression is the one `assignments::list` orders by, word for word.

CREATE INDEX assignments_urgency ON assignments ((CASE WHEN state = 'closed' THEN 1 ELSE 0 END), due_day, id);
