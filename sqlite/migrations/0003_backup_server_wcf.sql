-- BackupServer gains the VBR service port and certificate thumbprint that
-- the real server writes (monitoring.md §11).
ALTER TABLE backup_servers ADD COLUMN wcf_port INTEGER NOT NULL DEFAULT 9405;
ALTER TABLE backup_servers ADD COLUMN vbr_certificate_thumbprint TEXT NOT NULL DEFAULT '';
