// The only translation unit that includes Beast (it is heavy to compile).

#include "jic/api/http_server.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <mutex>
#include <map>
#include <thread>
#include <vector>

#include "jic/api/json_log.h"

namespace jic::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

class Session;

class HttpServer::Impl {
 public:
  Impl(Options options, Handler handler, Coordinator* coordinator, Metrics* metrics)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        coordinator_(coordinator),
        metrics_(metrics),
        ioc_(options_.threads),
        acceptor_(net::make_strand(ioc_)),
        signals_(ioc_) {}

  Result<uint16_t> Listen() {
    beast::error_code ec;
    auto addr = net::ip::make_address(options_.host, ec);
    if (ec) return Status::Invalid("listen", "not an IP address: " + options_.host);
    tcp::endpoint ep(addr, options_.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::IoError("cannot listen on " + options_.host + ":" +
                             std::to_string(options_.port) + ": " + ec.message());
    }
    return acceptor_.local_endpoint().port();
  }

  void Run(std::chrono::seconds drain) {
    if (options_.handle_signals) {
      signals_.add(SIGINT);
      signals_.add(SIGTERM);
      signals_.async_wait([this](beast::error_code ec, int sig) {
        if (!ec) {
          LogInfo("signal received; shutting down", "{\"signal\":" + std::to_string(sig) + "}");
          Shutdown();
        }
      });
    }
    DoAccept();
    drain_ = drain;
    std::vector<std::thread> threads;
    for (int i = 1; i < options_.threads; ++i) threads.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& t : threads) t.join();
  }

  void Shutdown();

  void DoAccept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (ec) {
        if (stopping_) return;
        // Out of descriptors and the like: keep serving the others.
        LogWarn("accept failed", "{\"reason\":\"" + JsonEscape(ec.message()) + "\"}");
      } else {
        s.set_option(tcp::no_delay(true), ec);
        StartSession(std::move(s));
      }
      if (!stopping_) DoAccept();
    });
  }

  void StartSession(tcp::socket s);
  void Forget(Session* s) {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(s);
  }

  Options options_;
  Handler handler_;
  Coordinator* coordinator_;
  Metrics* metrics_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  net::signal_set signals_;
  std::atomic<bool> stopping_{false};
  std::chrono::seconds drain_{10};
  std::unique_ptr<net::steady_timer> drain_timer_;
  std::mutex mu_;
  std::map<Session*, std::weak_ptr<Session>> sessions_;  // guarded by mu_; live sessions
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl* server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)), keepalive_timer_(stream_.get_executor()) {}

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
  }

  // From any thread: end the session if it is not working on a request.
  void StopIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (self->idle_ || self->streaming_) self->Close();
    });
  }

  ~Session() { server_->Forget(this); }

 private:
  const HttpServer::Options& opt() const { return server_->options_; }

  void DoRead() {
    if (closing_ || server_->stopping_) return Close();
    parser_.emplace();
    parser_->body_limit(opt().body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(opt().header_limit));
    idle_ = true;
    stream_.expires_after(first_ ? opt().read_timeout : opt().idle_timeout);
    // Once the request's first bytes arrive the whole of it must come within
    // read_timeout: a trickling client is cut off, not waited for.
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    idle_ = false;
    stream_.expires_after(opt().read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    idle_ = false;
    if (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
        ec == net::error::operation_aborted || ec == net::error::eof) {
      return Close();
    }
    if (ec == beast::error::timeout) {
      if (!first_ || buffer_.size() > 0) Count("timeout");
      return Close();
    }
    if (ec == http::error::body_limit) {
      Count("body_too_large");
      return SendError(413, "payload_too_large",
                       "the body is larger than " + std::to_string(opt().body_limit) + " bytes");
    }
    if (ec == http::error::header_limit) {
      Count("header_too_large");
      return SendError(431, "header_too_large", "the request's headers are too large");
    }
    Count("malformed");
    return SendError(400, "bad_request", "malformed HTTP request: " + ec.message());
  }

  void Count(const char* reason) {
    if (server_->metrics_) server_->metrics_->CountBadRequest(reason);
  }

  void SendError(int status, const std::string& code, const std::string& message) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(status), 11);
    res->set(http::field::server, "jic");
    res->set(http::field::content_type, "application/json");
    res->body() = "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + JsonEscape(message) + "\"}}";
    res->keep_alive(false);
    res->prepare_payload();
    stream_.expires_after(opt().write_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec) return self->Close();
                        self->LingeringClose();
                      });
  }

  // After an error response to a request whose body we did not read (413),
  // closing at once would make the kernel reset the connection, and a client
  // still sending would lose the response. Stop sending, read and discard
  // what still comes for a little while, then close.
  void LingeringClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    discard_ = std::make_shared<std::array<char, 16384>>();
    DiscardSome();
  }

  void DiscardSome() {
    stream_.async_read_some(net::buffer(*discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->discarded_ += n;
                              if (ec || self->discarded_ > (64u << 20)) return self->Close();
                              self->DiscardSome();
                            });
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    first_ = false;
    auto& req = parser_->get();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.body = std::move(req.body());
    auto header = [&](http::field f) {
      auto it = req.find(f);
      return it == req.end() ? std::string() : std::string(it->value());
    };
    r.authorization = header(http::field::authorization);
    r.content_type = header(http::field::content_type);
    r.if_match = header(http::field::if_match);
    if (auto it = req.find("Idempotency-Key"); it != req.end()) r.idempotency_key = std::string(it->value());
    if (auto it = req.find("Jic-Signature"); it != req.end()) r.signature = std::string(it->value());
    if (auto it = req.find("Last-Event-ID"); it != req.end()) r.last_event_id = std::string(it->value());
    r.if_none_match = header(http::field::if_none_match);
    keep_alive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;
    version_ = req.version();
    method_ = r.method;
    started_ = std::chrono::steady_clock::now();
    stream_.expires_never();  // a command may wait for its commit
    server_->handler_(r, [self = shared_from_this()](HttpResponse res) {
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res)]() mutable { self->OnResponse(std::move(res)); });
    });
  }

  void OnResponse(HttpResponse r) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    if (server_->metrics_) server_->metrics_->ObserveRequest(r.route, method_, r.status, secs);
    if (opt().access_log) {
      LogInfo("request", "{\"method\":\"" + JsonEscape(method_) + "\",\"route\":\"" +
                             JsonEscape(r.route) + "\",\"status\":" + std::to_string(r.status) +
                             ",\"seconds\":" + std::to_string(secs) + "}");
    }
    if (r.event_stream && server_->coordinator_ != nullptr) return StartStream(std::move(r));
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version_);
    res->set(http::field::server, "jic");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_ && !closing_ && !server_->stopping_);
    res->prepare_payload();
    if (head_) res->body().clear();
    stream_.expires_after(opt().write_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !res->keep_alive()) return self->Close();
                        self->DoRead();
                      });
  }

  // ----------------------------------------------------------- event streams

  void StartStream(HttpResponse r) {
    streaming_ = true;
    actor_ = r.actor;
    cursor_ = r.events_after;
    sub_ = server_->coordinator_->events().Subscribe([weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        net::post(self->stream_.get_executor(), [self] { self->Pump(); });
      }
    });
    // Everything up to here comes from the log; later entries from the hub.
    catchup_end_ = server_->coordinator_->committed_seq();
    out_ =
        "HTTP/1.1 200 OK\r\nServer: jic\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\n"
        "retry: 2000\n\n";
    WriteOut();
    ArmKeepalive();
  }

  void ArmKeepalive() {
    keepalive_timer_.expires_after(opt().keepalive_interval);
    keepalive_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->streaming_) return;
      if (!self->writing_) {
        self->out_ = ": keepalive\n\n";
        self->WriteOut();
      }
      self->ArmKeepalive();
    });
  }

  void Append(const EventPtr& e) {
    if (e->seq <= cursor_) return;
    cursor_ = e->seq;
    if (e->admin_only && actor_.role != engine::Role::kAdmin) return;
    out_ += "id: " + std::to_string(e->seq) + "\nevent: " + e->type + "\ndata: " + e->data + "\n\n";
  }

  void Pump() {
    if (!streaming_) return;
    if (sub_->dropped()) {
      // Too slow: end the stream now, even mid-write (the client resumes
      // from the last id it got).
      LogWarn("event stream dropped: the reader fell behind",
              "{\"cursor\":" + std::to_string(cursor_) + "}");
      return Close();
    }
    if (writing_) return;
    if (cursor_ < catchup_end_) {
      auto events = server_->coordinator_->ReadEvents(cursor_, 256);
      if (!events.ok() || events->empty()) {
        LogWarn("event stream could not read the log",
                "{\"after\":" + std::to_string(cursor_) + "}");
        return Close();
      }
      for (const EventPtr& e : *events) {
        if (e->seq > catchup_end_) break;
        Append(e);
      }
    }
    if (cursor_ >= catchup_end_) {
      // Live: what the hub queued (entries up to the cursor are skipped).
      std::vector<EventPtr> events;
      if (!sub_->Take(&events)) return Close();
      for (const EventPtr& e : events) Append(e);
    }
    if (!out_.empty()) {
      WriteOut();
    } else if (cursor_ < catchup_end_) {
      net::post(stream_.get_executor(), [self = shared_from_this()] { self->Pump(); });
    }
  }

  void WriteOut() {
    writing_ = true;
    auto data = std::make_shared<std::string>(std::move(out_));
    out_.clear();
    stream_.expires_after(opt().write_timeout);
    net::async_write(stream_.socket(), net::buffer(*data),
                     [self = shared_from_this(), data](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       if (ec) return self->Close();
                       self->stream_.expires_never();
                       self->Pump();
                     });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    if (sub_) {
      server_->coordinator_->events().Unsubscribe(sub_);
      sub_.reset();
    }
    streaming_ = false;
    keepalive_timer_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  HttpServer::Impl* server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{16 << 10};
  std::optional<http::request_parser<http::string_body>> parser_;
  net::steady_timer keepalive_timer_;
  bool first_ = true;
  bool idle_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool keep_alive_ = true;
  bool head_ = false;
  unsigned version_ = 11;
  std::string method_;
  std::chrono::steady_clock::time_point started_;
  // Event streams.
  bool streaming_ = false;
  bool writing_ = false;
  engine::Actor actor_;
  uint64_t cursor_ = 0;
  uint64_t catchup_end_ = 0;
  std::string out_;
  std::shared_ptr<EventHub::Subscriber> sub_;
  std::shared_ptr<std::array<char, 16384>> discard_;
  size_t discarded_ = 0;
};

void HttpServer::Impl::StartSession(tcp::socket s) {
  auto session = std::make_shared<Session>(this, std::move(s));
  {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_[session.get()] = session;
  }
  if (metrics_) metrics_->CountConnection();
  session->Start();
}

void HttpServer::Impl::Shutdown() {
  if (stopping_.exchange(true)) return;
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
    signals_.cancel(ec);
    // Sessions between requests end now; the others after their response.
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [p, weak] : sessions_) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->StopIfIdle();
    drain_timer_ = std::make_unique<net::steady_timer>(ioc_, drain_);
    drain_timer_->async_wait([this](beast::error_code ec) {
      if (!ec) {
        LogWarn("requests still in flight after the drain period; stopping anyway");
        ioc_.stop();
      }
    });
    // The drain timer keeps the context alive; cancel it once no session is left.
    auto poll = std::make_shared<std::function<void()>>();
    auto timer = std::make_shared<net::steady_timer>(ioc_);
    *poll = [this, poll, timer] {
      bool empty;
      {
        std::lock_guard<std::mutex> lock(mu_);
        empty = sessions_.empty();
      }
      if (empty) {
        drain_timer_->cancel();
        return;
      }
      timer->expires_after(std::chrono::milliseconds(20));
      timer->async_wait([poll](beast::error_code) { (*poll)(); });
    };
    (*poll)();
  });
}

HttpServer::HttpServer(Options options, Handler handler, Coordinator* coordinator, Metrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), coordinator, metrics)) {}
HttpServer::~HttpServer() = default;
Result<uint16_t> HttpServer::Listen() { return impl_->Listen(); }
void HttpServer::Run(std::chrono::seconds drain) { impl_->Run(drain); }
void HttpServer::Shutdown() { impl_->Shutdown(); }

}  // namespace jic::api
