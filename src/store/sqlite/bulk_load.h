#pragma once
// A fast loader for generated corpora (benchmarks): writes messages, their recipient records
// and their search index rows straight into a SQLite store's file in large transactions,
// without the send path's per-message work (idempotency lookup, membership windows, read
// watermarks, dashboard counters). The result is searchable exactly as sent messages are, but
// conversation membership and dashboard figures are not maintained: never use it on a
// database a server will serve.
//
// Thread-safety: call with no store open on the file.

#include <functional>
#include <string>

#include "core/error.h"
#include "store/store.h"

namespace missive::sqlite {

// Appends the messages `next` yields (until it returns false) to the migrated database at
// `path`, committing every `batch` messages; `loaded(message, source)` is called for each,
// with its id filled in. Conversations are found or created as the send path
// would; recipients must be distinct and exclude the creator.
Status bulk_load(const std::string& path, const std::function<bool(NewMessage&)>& next,
                 const std::function<void(const Message&, const NewMessage&)>& loaded,
                 int batch = 20'000);

}  // namespace missive::sqlite
