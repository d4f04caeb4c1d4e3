-- 014-reserved.sql -- a placeholder for the migration another branch of issue 13
-- adds with this number; drop it when merging (console branch).
SELECT 1;
