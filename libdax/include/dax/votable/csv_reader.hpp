#pragma once
/// A CSV reader for ingestion: RFC 4180 records typed by a schema (the table's fields).
#include <dax/votable/field.hpp>

#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace dax::votable {

/// Reads CSV text whose header names the schema's columns (any order, case-insensitive; extra
/// CSV columns are an error, missing ones are null). Empty fields are null; booleans accept
/// T/F/true/false/1/0; arrays are space-separated values. Errors name the line and column.
class csv_reader {
public:
    virtual ~csv_reader() = default;
    /// Advances to the next record: true if there is one; throws dax::error on bad data.
    virtual bool next() = 0;
    /// The current row, one cell per schema field, valid until next().
    virtual std::span<const cell> row() const = 0;
    /// 1-based line number where the current record starts.
    virtual std::size_t line() const = 0;
};

/// `text` must outlive the reader. Errors in the header are returned.
result<std::unique_ptr<csv_reader>> open_csv_reader(std::string_view text, std::span<const field> schema,
                                                    char separator = ',');

}  // namespace dax::votable
