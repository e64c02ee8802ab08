#pragma once
// Setting up a server over the catalogue (tap-server, sia-server, dax-admin): its configuration,
// the catalogue service, and the demo every server serves with no configuration: demo.stars and
// ivoa.ObsCore (the same bytes as shared/peers/data/gen_data.py) in the embedded SQLite database.
#include "auth.hpp"
#include "bootstrap.hpp"
#include "tap_config.hpp"

#include <dax/image/demo_images.hpp>

#include <dax/tap/service.hpp>
#include <dax/uws/engine.hpp>

#include <memory>
#include <optional>

namespace dax::http {

/// A catalogue server's start: the process set-up, its command line (`usage` on --help or a bad
/// argument), the config file (errors on stderr, prefixed by `program`), the command line over
/// it for `service` ("tap", "sia"), and the demo schemas when the config keeps the demo.
/// Nothing, with the exit status in `exit_code`, when the server is not to run.
std::optional<tapserver::server_config> configure(int argc, char** argv, const char* usage, const char* program,
                                                  const char* service, int& exit_code);

/// What a catalogue server runs on: its access control and the open catalogue service.
struct catalog {
    access access_control;
    std::unique_ptr<tap::service> service;
};
/// Creates the data directory, reads the auth settings, opens the service and creates the demo
/// tables if needed; nothing (reason on stderr, exit status in `exit_code`) on failure.
std::optional<catalog> open_catalog(const tapserver::server_config& cfg, const char* program, int& exit_code);

/// Publishes the demo schemas (before the configured ones) when cfg.demo is set.
void add_demo_schemas(tapserver::server_config& cfg);
/// Creates the demo tables on first run, and the demo images (DATA_DIR/demo-images, rows in
/// ivoa.ObsCore, files in the image store); false (with the reason on stderr) if that failed.
bool ensure_demo(const tapserver::server_config& cfg, tap::service& svc, const char* program);

/// The UWS engine settings of a server that runs jobs (workers, durations, quotas).
uws::engine_config engine_settings(const tapserver::server_config& cfg);

/// The site's job store (settings::job_store; default DATA_DIR/jobs.db): TAP queries, cutouts,
/// photometry and virtual files keep their jobs in it, each engine scoped to its tasks, so that
/// the job monitor lists a user's jobs of every service. Throws dax::error if it cannot open.
std::unique_ptr<uws::job_store> open_job_store(const tapserver::server_config& cfg);

/// The image store of a site: DATA_DIR/images.sqlite.
std::string image_store_path(const tapserver::server_config& cfg);

/// The demo.stars sources painted into the demo images (what the "demo-image" recipe paints).
std::vector<image::demo_source> demo_image_sources();

/// Without images.access_url in the config, ingested datasets' access_url is their links at the
/// site's links-server (access_format the DataLink media type).
void default_access_url(tapserver::server_config& cfg);

}  // namespace dax::http
