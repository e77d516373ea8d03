#include "mockbroker/request_log.hpp"

#include <algorithm>
#include <deque>

#include "mockbroker/request_summary.hpp"

namespace kafkalite::mock {

struct RequestLog::State {
  std::size_t capacity = 0;
  mutable std::mutex mutex;
  uint64_t lastSequence = 0;
  std::map<int32_t, std::deque<std::shared_ptr<RequestRecord>>> byBroker;
};

class RequestLog::Observer : public RequestObserver {
 public:
  Observer(std::shared_ptr<State> state, std::shared_ptr<RequestRecord> record)
      : state_(std::move(state)), record_(std::move(record)) {}

  void ended(RequestOutcome outcome, ErrorCode error) override {
    std::lock_guard lock(state_->mutex);
    if (record_->outcome != RequestOutcome::Pending) return;  // the first answer counts
    record_->outcome = outcome;
    record_->error = error;
    record_->answeredAt = std::chrono::system_clock::now();
  }

 private:
  std::shared_ptr<State> state_;
  std::shared_ptr<RequestRecord> record_;  // may have left the ring already
};

RequestLog::RequestLog(std::size_t capacityPerBroker) : state_(std::make_shared<State>()) {
  state_->capacity = capacityPerBroker;
}

std::shared_ptr<RequestObserver> RequestLog::record(int32_t brokerId, const Request& request) {
  if (state_->capacity == 0) return nullptr;
  auto record = std::make_shared<RequestRecord>();
  record->receivedAt = std::chrono::system_clock::now();
  record->brokerId = brokerId;
  record->connectionId = request.connectionId;
  record->clientAddress = request.clientAddress;
  record->clientId = request.header.clientId;
  record->apiKey = static_cast<int16_t>(request.header.apiKey);
  record->apiName = std::string(protocol::apiKeyName(request.header.apiKey));
  record->apiVersion = request.header.apiVersion;
  record->correlationId = request.header.correlationId;
  // Decoded outside the lock: the summary is the costly part.
  RequestSummary summary = summarizeRequest(request.header.apiKey, request.header.apiVersion, request.body);
  record->topics = std::move(summary.topics);
  record->summary = summaryLine(summary.details);
  record->details = std::move(summary.details);
  {
    std::lock_guard lock(state_->mutex);
    record->sequence = ++state_->lastSequence;
    auto& ring = state_->byBroker[brokerId];
    ring.push_back(record);
    while (ring.size() > state_->capacity) ring.pop_front();
  }
  return std::make_shared<Observer>(state_, std::move(record));
}

std::vector<RequestRecord> RequestLog::requests(const RequestFilter& filter) const {
  std::vector<RequestRecord> out;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& [brokerId, ring] : state_->byBroker) {
      if (filter.brokerId && *filter.brokerId != brokerId) continue;
      for (const auto& r : ring) {
        if (r->sequence <= filter.afterSequence) continue;
        if (filter.apiKey && *filter.apiKey != r->apiKey) continue;
        if (filter.clientId && r->clientId != filter.clientId) continue;
        if (filter.since && r->receivedAt < *filter.since) continue;
        if (filter.topic && std::find(r->topics.begin(), r->topics.end(), *filter.topic) == r->topics.end()) continue;
        out.push_back(*r);
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const RequestRecord& a, const RequestRecord& b) { return a.sequence < b.sequence; });
  return out;
}

uint64_t RequestLog::lastSequence() const {
  std::lock_guard lock(state_->mutex);
  return state_->lastSequence;
}

void RequestLog::clear() {
  std::lock_guard lock(state_->mutex);
  state_->byBroker.clear();
}

}  // namespace kafkalite::mock
