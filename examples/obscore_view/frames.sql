-- The made-up archive table the view reads (view.sql), with two frames: to try the example, and
-- what tests/sia/obscore_view_test.sh runs it on.
CREATE SCHEMA IF NOT EXISTS archive;
CREATE TABLE IF NOT EXISTS archive.frames (
    frame_id integer PRIMARY KEY, title text, url text, size_kb integer, object text,
    ra_centre double precision, dec_centre double precision, fov_deg double precision,
    ra1 double precision, dec1 double precision, ra2 double precision, dec2 double precision,
    ra3 double precision, dec3 double precision, ra4 double precision, dec4 double precision,
    seeing_arcsec double precision, mjd_start double precision, mjd_end double precision, exptime_s double precision,
    wl_min_m double precision, wl_max_m double precision, telescope text, camera text,
    naxis1 integer, naxis2 integer, pixscale_arcsec double precision);
INSERT INTO archive.frames VALUES
 (101, 'M31 field r', 'https://archive.example.org/frames/101.fits', 16000, 'M31', 10.68, 41.27, 0.7,
  10.9, 41.0, 10.9, 41.5, 10.4, 41.5, 10.4, 41.0, 1.1, 60000.1, 60000.11, 600, 5.5e-7, 6.9e-7, 'Example 2m', 'ExCam',
  2048, 2048, 0.9),
 (102, 'Seam field g', 'https://archive.example.org/frames/102.fits', 16000, 'seam', 0.0, -5.0, 0.7,
  0.25, -5.25, 0.25, -4.75, 359.75, -4.75, 359.75, -5.25, 1.3, 60001.2, 60001.21, 300, 4.0e-7, 5.5e-7, 'Example 2m', 'ExCam',
  2048, 2048, 0.9)
ON CONFLICT DO NOTHING;
