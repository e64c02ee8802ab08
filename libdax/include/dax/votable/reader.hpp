#pragma once
/// A streaming VOTable reader (TABLEDATA, BINARY, BINARY2 with base64 STREAMs) for TAP UPLOAD
/// and tests. Hostile input is refused with a specific message, in bounded memory.
#include <dax/votable/field.hpp>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dax::votable {

/// Bounds on what a document may demand.
struct reader_limits {
    std::size_t max_document_bytes = std::size_t(256) << 20;
    int max_depth = 32;
    std::size_t max_attribute_bytes = 64 << 10;
    std::size_t max_fields = 4096;
    std::uint64_t max_rows = 50'000'000;
    std::size_t max_cell_bytes = 16 << 20;
};

/// Reads the first TABLE of a document. Cells returned by row() stay valid until next().
class reader {
public:
    virtual ~reader() = default;
    /// Column metadata of the table.
    virtual const std::vector<field>& fields() const = 0;
    /// INFO name/value pairs of the results RESOURCE (QUERY_STATUS, ...), as read so far.
    virtual const std::vector<std::pair<std::string, std::string>>& infos() const = 0;
    /// Advances to the next row: true if there is one; throws dax::error on malformed data.
    virtual bool next() = 0;
    virtual std::span<const cell> row() const = 0;
    virtual std::uint64_t rows_read() const = 0;
};

/// Opens a document held in memory (not copied: it must outlive the reader). Errors in the
/// header (not a VOTable, no TABLE, bad FIELD, DOCTYPE, limits) are returned.
result<std::unique_ptr<reader>> open_reader(std::string_view document, reader_limits limits = {});

}  // namespace dax::votable
