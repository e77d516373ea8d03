// CreateTopics' timeout_ms (Kafka's DelayedCreatePartitions): the answer waits until
// every replica's broker has applied the new topic, and says REQUEST_TIMED_OUT when one
// has not within timeout_ms; timeout_ms 0 answers at once. KafkaApis runs in-process on
// an io_context the test drives; broker 2 never applies anything.
#include "mockbroker/kafka_apis.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "mockbroker/controller.hpp"
#include "mockbroker/fault_injector.hpp"
#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/replica_manager.hpp"
#include "protocol/messages/create_topics.hpp"

namespace kafkalite::mock {
namespace {

namespace asio = boost::asio;

/// Broker 1: runs what it is given on the test's io_context.
class LiveListener : public ControllerListener {
 public:
  explicit LiveListener(asio::io_context& io) : io_(io) {}
  void onLeaderAndIsr(const TopicPartition&, const LeaderAndIsr&, const TopicConfig&) override {}
  void post(std::function<void()> fn) override { asio::post(io_, std::move(fn)); }

 private:
  asio::io_context& io_;
};

/// Broker 2: alive to the controller, but never gets to what it is sent.
class StuckListener : public ControllerListener {
 public:
  void onLeaderAndIsr(const TopicPartition&, const LeaderAndIsr&, const TopicConfig&) override {}
  void post(std::function<void()>) override {}
};

/// How the request ended, as the request log would see it.
class Outcome : public RequestObserver {
 public:
  void ended(RequestOutcome o, ErrorCode e) override {
    outcome = o;
    error = e;
  }
  std::optional<RequestOutcome> outcome;
  ErrorCode error = ErrorCode::NONE;
};

class AdminWaitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.brokers = 2;
    controller_ = std::make_unique<Controller>(options_);
    controller_->registerBroker(1, "127.0.0.1", 9091, &live_);
    controller_->registerBroker(2, "127.0.0.1", 9092, &stuck_);
    controller_->brokerStarted(1);
    controller_->brokerStarted(2);
    replicaManager_ = std::make_unique<ReplicaManager>(
        1, options_, storage_, *controller_, [] { return int64_t{1'000'000}; }, [](const TopicPartition&, int32_t) {});
    groupCoordinator_ = std::make_unique<GroupCoordinator>(
        options_, *replicaManager_, [] { return int64_t{1'000'000}; }, [] { return int64_t{1'000'000}; });
    apis_ = std::make_unique<KafkaApis>(
        BrokerContext{1, options_, *controller_, faults_, *replicaManager_, *groupCoordinator_, io_});
  }

  /// Sends CreateTopics v5 for `name` placed on `broker` and runs the event loop until it
  /// is answered (or 10 s pass).
  std::shared_ptr<Outcome> createOn(const std::string& name, int32_t broker, int32_t timeoutMs) {
    protocol::CreateTopicsRequest body;
    protocol::CreateTopicsRequest::CreatableTopic t;
    t.name = name;
    t.numPartitions = -1;
    t.replicationFactor = -1;
    t.assignments.push_back({0, {broker}, {}});
    body.topics.push_back(t);
    body.timeoutMs = timeoutMs;
    std::vector<uint8_t> bytes;
    EXPECT_FALSE(protocol::encode(body, 5, bytes));
    auto frame = std::make_shared<uint8_t[]>(bytes.size());
    std::copy(bytes.begin(), bytes.end(), frame.get());
    Request request;
    request.header = {protocol::ApiKey::CreateTopics, 5, 7, std::string("test"), {}};
    request.frame = frame;
    request.body = std::span<const uint8_t>(frame.get(), bytes.size());
    auto outcome = std::make_shared<Outcome>();
    request.responder.observe(outcome);
    apis_->handle(std::move(request));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    io_.restart();
    while (!outcome->outcome && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(10));
      io_.restart();
    }
    return outcome;
  }

  asio::io_context io_;
  MockClusterOptions options_;
  LiveListener live_{io_};
  StuckListener stuck_;
  FaultInjector faults_;
  BrokerStorage storage_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<ReplicaManager> replicaManager_;
  std::unique_ptr<GroupCoordinator> groupCoordinator_;
  std::unique_ptr<KafkaApis> apis_;
};

TEST_F(AdminWaitTest, AnsweredOnceTheReplicasBrokersHaveTheTopic) {
  const auto outcome = createOn("ready", 1, 30000);
  ASSERT_TRUE(outcome->outcome.has_value());
  EXPECT_EQ(*outcome->outcome, RequestOutcome::Answered);
  EXPECT_EQ(outcome->error, ErrorCode::NONE);
}

TEST_F(AdminWaitTest, RequestTimedOutWhenAReplicasBrokerDoesNotApplyItInTime) {
  const auto outcome = createOn("stuck", 2, 50);
  ASSERT_TRUE(outcome->outcome.has_value());
  EXPECT_EQ(outcome->error, ErrorCode::REQUEST_TIMED_OUT);
  EXPECT_TRUE(controller_->topicExists("stuck")) << "the topic stays created, as in Kafka";
}

TEST_F(AdminWaitTest, TimeoutZeroAnswersAtOnce) {
  const auto outcome = createOn("unwaited", 2, 0);
  ASSERT_TRUE(outcome->outcome.has_value());
  EXPECT_EQ(outcome->error, ErrorCode::NONE);
}

}  // namespace
}  // namespace kafkalite::mock
