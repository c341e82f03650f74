-- A meeting agenda item's title in Tibetan beside the Chinese (issue 18): the meeting's page
-- shows it to Tibetan readers.

ALTER TABLE meeting_agenda_items ADD COLUMN title_bo TEXT;
