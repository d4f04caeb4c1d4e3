-- 004-net.sql -- a job's network (issue 7).
--
-- 'none': qemu gets -nic none, the guest has no NIC at all (the default:
-- tests need no network, and a NIC costs a probe and an option ROM).
-- 'user': one virtio-net NIC on qemu's user-mode network, restricted so
-- the guest reaches neither the host's services nor anything beyond.
ALTER TABLE jobs ADD COLUMN net TEXT NOT NULL DEFAULT 'none'
	CHECK (net IN ('none', 'user'));
