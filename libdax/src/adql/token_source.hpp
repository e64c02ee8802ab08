#pragma once
// A hand-written ADQL tokenizer that produces exactly the tokens of grammars/ADQLLexer.g4
// (checked by tests/adql/lexer_test.cpp against the generated lexer). It exists for speed: the
// generated lexer takes a process-wide lock for every character (ANTLR C++ runtime 4.9), which
// costs a third of the parse time and stops parsing from scaling across threads.
// Parser-module private: only the ADQL parser files include it.
#include "ADQLLexer.h"
#include "antlr4-runtime.h"

namespace dax::adql::detail {

/// An ANTLRInputStream that exposes its decoded code points.
class code_point_stream : public antlr4::ANTLRInputStream {
public:
    const std::u32string& code_points() const { return _data; }
    /// Loads text; ASCII is widened directly, anything else goes through ANTLR's UTF-8 decoder.
    void load_text(std::string_view text, bool ascii) {
        if (!ascii) return load(std::string(text));
        _data.assign(text.begin(), text.end());
        p = 0;
    }
    /// Frees the buffer of a large query.
    void shrink() { _data.shrink_to_fit(); }
};

class adql_token_source final : public antlr4::TokenSource {
public:
    explicit adql_token_source(code_point_stream* input) : input_(input) {}
    /// Starts again at the beginning of the (reloaded) input.
    void reset() {
        pos_ = 0;
        line_ = 1;
        column_ = 0;
    }
    std::unique_ptr<antlr4::Token> nextToken() override;
    size_t getLine() const override { return line_; }
    size_t getCharPositionInLine() override { return column_; }
    antlr4::CharStream* getInputStream() override { return input_; }
    std::string getSourceName() override { return "adql"; }
    antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
        return antlr4::CommonTokenFactory::DEFAULT.get();
    }

private:
    code_point_stream* input_;
    size_t pos_ = 0, line_ = 1, column_ = 0;
};

}  // namespace dax::adql::detail
