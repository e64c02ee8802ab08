#pragma once
/// Where each ingested dataset's file is: the image store. Services find a file by the
/// dataset's publisher DID (or obs_id); a path is never taken from a request.
#include <dax/error.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dax::image {

struct dataset;

/// A dataset's file.
struct stored_file {
    std::string did, obs_id;
    std::string path;  ///< absolute
    int hdu = 0;       ///< the science HDU
    std::string format;
    std::uint64_t bytes = 0;
    std::string recipe;  ///< a virtual dataset: how its file is made again (seed 000); "" stored
};

/// An SQLite file (`<data_dir>/images.sqlite` by default) shared by the servers of one site.
class image_store {
public:
    /// Opens or creates the store; throws dax::error when the file cannot be used.
    explicit image_store(const std::string& path);
    ~image_store();
    image_store(const image_store&) = delete;
    image_store& operator=(const image_store&) = delete;

    /// Adds or replaces the dataset with this DID (the path is made absolute).
    void put(const dataset& d);
    /// By publisher DID (exactly, else ignoring case as SIA's ID does), or by obs_id when no
    /// DID matches.
    std::optional<stored_file> find(const std::string& id) const;
    std::vector<stored_file> all() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace dax::image
