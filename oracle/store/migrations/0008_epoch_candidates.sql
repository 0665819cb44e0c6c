-- The candidate (see epoch/files.rs) this oracle signed for the epoch: the sha256 of its
-- manifest. An oracle computes an epoch again when its input grows; the candidate whose root is
-- posted becomes the epoch's files.
ALTER TABLE epochs ADD COLUMN candidate TEXT;
