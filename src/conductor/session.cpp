#include "conductor/session.h"

#include "conductor/txn.h"

namespace bd {

Session::Session(std::string database) : database_(std::move(database)) {}
Session::~Session() = default;

void Session::begin(Task<Result<QueryOutput>> root) {
  root_ = std::move(root);
  root_.handle().resume();
}

void Session::feed(std::vector<InResponse> responses) {
  responses_ = std::move(responses);
  auto h = std::exchange(waiting_, {});
  if (h) h.resume();
}

}  // namespace bd
