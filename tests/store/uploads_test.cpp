// Conformance: uploads, the blobs they share, attaching them to messages, who may fetch them,
// and the sweep that releases what nothing references (docs/attachments.md, "Storage").

#include <algorithm>

#include "store_test_support.h"

namespace missive::testing {
namespace {

TEST_P(Uploads, ReceivingUploadAdvancesOnlyFromItsStoredOffset) {
  User ada = user("ada");
  UploadCreated created = must(store().create_upload(new_upload(ada.id, 300)));
  EXPECT_FALSE(created.existing);
  const Upload& u = created.upload;
  EXPECT_TRUE(u.id.valid());
  EXPECT_EQ(u.state, UploadState::receiving);
  EXPECT_EQ(u.offset, 0);
  EXPECT_EQ(u.size, 300);
  EXPECT_EQ(u.name, "cat.jpg");
  EXPECT_EQ(u.expires_at, std::optional<Timestamp>(now_ + 3'600'000));

  EXPECT_EQ(must(store().advance_upload(u.id, 0, 100)).offset, 100);
  EXPECT_EQ(status(store().advance_upload(u.id, 0, 200)), "conflict");  // a stale offset
  EXPECT_EQ(must(store().advance_upload(u.id, 100, 300)).offset, 300);
  EXPECT_EQ(status(store().advance_upload(UploadId(999), 0, 1)), "not_found");

  reopen();
  Upload got = must(store().get_upload(u.id));
  EXPECT_EQ(got.offset, 300);
  EXPECT_EQ(got.owner, ada.id);
  EXPECT_EQ(must(store().storage_used(ada.id)), 300);
}

TEST_P(Uploads, ClientUploadIdMakesCreationIdempotentPerOwner) {
  User ada = user("ada");
  User bob = user("bob");
  NewUpload n = new_upload(ada.id);
  n.client_upload_id = "u-1";
  UploadCreated first = must(store().create_upload(n));
  UploadCreated again = must(store().create_upload(n));
  EXPECT_TRUE(again.existing);
  EXPECT_EQ(again.upload.id, first.upload.id);
  n.owner = bob.id;  // another owner's id space
  EXPECT_NE(must(store().create_upload(n)).upload.id, first.upload.id);
}

TEST_P(Uploads, SameBytesTwiceShareOneBlob) {
  User ada = user("ada");
  Upload a = complete(ada.id, kSha, "blobs/a-1");
  EXPECT_EQ(a.state, UploadState::complete);
  EXPECT_EQ(a.sha256, kSha);
  EXPECT_EQ(a.blob_key, "blobs/a-1");
  EXPECT_EQ(a.type, "image/jpeg");

  // The second upload of the same content needs no put: the store answers at once.
  Upload second = must(store().create_upload(new_upload(ada.id))).upload;
  must(store().advance_upload(second.id, 0, 100));
  auto done = must(store().complete_upload({second.id, kSha, "image/jpeg", "", now_}));
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->blob_key, "blobs/a-1");
  EXPECT_EQ(must(store().blob_keys()), std::vector<std::string>{"blobs/a-1"});
  EXPECT_EQ(status(store().complete_upload({second.id, kSha, "image/jpeg", "", now_})),
            "conflict");  // already complete
}

TEST_P(Uploads, AnUploadCompletesOnlyWhenFullyStored) {
  User ada = user("ada");
  Upload u = must(store().create_upload(new_upload(ada.id, 100))).upload;
  must(store().advance_upload(u.id, 0, 50));
  EXPECT_EQ(status(store().complete_upload({u.id, kSha, "image/jpeg", "blobs/x", now_})),
            "conflict");
}

TEST_P(Uploads, OnlyRecipientsOfALiveMessageMayFetchAnAttachment) {
  User ada = user("ada");
  User bob = user("bob");
  User cyd = user("cyd");
  Upload u = complete(ada.id);
  // Before a message carries it: its owner only.
  EXPECT_EQ(status(store().visible_upload(u.id, ada.id, now_)), "ok");
  EXPECT_EQ(status(store().visible_upload(u.id, bob.id, now_)), "not_found");

  NewMessage nm = carrying(ada.id, bob.id, {u.id});
  nm.expiry_date = now_ + 1000;
  Message m = send(nm);
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].id, u.id);
  EXPECT_EQ(m.attachments[0].sha256, kSha);
  EXPECT_EQ(m.attachments[0].size, 100);
  EXPECT_EQ(must(store().get_message(m.id)).attachments.size(), 1u);
  EXPECT_EQ(must(store().get_upload(u.id)).expires_at, std::nullopt);
  EXPECT_EQ(must(store().get_upload(u.id)).message_refs, 1);

  EXPECT_EQ(status(store().visible_upload(u.id, ada.id, now_)), "ok");
  EXPECT_EQ(status(store().visible_upload(u.id, bob.id, now_)), "ok");
  EXPECT_EQ(status(store().visible_upload(u.id, cyd.id, now_)), "not_found");
  // Expired (or withdrawn): no one.
  EXPECT_EQ(status(store().visible_upload(u.id, bob.id, now_ + 1000)), "not_found");
  EXPECT_EQ(status(store().visible_upload(u.id, ada.id, now_ + 1000)), "not_found");
  EXPECT_EQ(status(store().visible_upload(UploadId(999), ada.id, now_)), "not_found");
}

TEST_P(Uploads, OnlyTheSendersOwnCompleteUnexpiredUploadsCanBeAttached) {
  User ada = user("ada");
  User bob = user("bob");
  Upload bobs = complete(bob.id);
  EXPECT_EQ(status(store().send_message(carrying(ada.id, bob.id, {bobs.id}))), "unprocessable");
  Upload partial = must(store().create_upload(new_upload(ada.id))).upload;
  EXPECT_EQ(status(store().send_message(carrying(ada.id, bob.id, {partial.id}))),
            "unprocessable");
  EXPECT_EQ(status(store().send_message(carrying(ada.id, bob.id, {UploadId(999)}))),
            "unprocessable");
  NewUpload n = new_upload(ada.id);
  n.expires_at = now_ - 1;
  Upload stale = must(store().create_upload(n)).upload;
  must(store().advance_upload(stale.id, 0, 100));
  must(store().complete_upload({stale.id, kSha, "image/jpeg", "blobs/s", now_}));
  NewMessage late = carrying(ada.id, bob.id, {stale.id});
  EXPECT_EQ(status(store().send_message(late)), "unprocessable");
  // Nothing of the refused sends was written.
  EXPECT_TRUE(must(store().inbox({.user = bob.id, .now = now_})).empty());
}

TEST_P(Uploads, SweepReleasesExpiredAttachmentsAndUnattachedUploads) {
  User ada = user("ada");
  User bob = user("bob");
  Upload kept = complete(ada.id, kSha, "blobs/a-1");
  Upload shared = complete(ada.id, kSha, "blobs/unused");  // same bytes: shares blobs/a-1
  Upload other = complete(ada.id, kOtherSha, "blobs/b-1");
  NewMessage withdrawn = carrying(ada.id, bob.id, {shared.id, other.id});
  withdrawn.expiry_date = now_ + 10;
  send(withdrawn);
  send(carrying(ada.id, bob.id, {kept.id}));
  Upload unattached = must(store().create_upload(new_upload(ada.id))).upload;

  // Nothing has expired yet.
  UploadSweep none = must(store().sweep_uploads(now_, now_, 100));
  EXPECT_EQ(none.removed_uploads, 0);
  EXPECT_TRUE(none.dead_blobs.empty());

  // The withdrawn message's attachments go; blobs/a-1 stays for `kept`.
  const Timestamp later = now_ + 3'600'001;
  UploadSweep swept = must(store().sweep_uploads(later, now_ + 11, 100));
  EXPECT_EQ(swept.removed_uploads, 3);  // shared, other, and the unattached receiving one
  EXPECT_EQ(swept.removed_receiving, std::vector<UploadId>{unattached.id});
  EXPECT_EQ(swept.dead_blobs, std::vector<std::string>{"blobs/b-1"});
  EXPECT_EQ(status(store().get_upload(shared.id)), "not_found");
  EXPECT_EQ(status(store().visible_upload(kept.id, bob.id, later)), "ok");
  EXPECT_EQ(must(store().storage_used(ada.id)), 100);

  // Claimed blobs stay listed (their storage may still exist) until forgotten.
  auto keys = must(store().blob_keys());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "blobs/b-1"), keys.end());
  must(store().forget_blobs({"blobs/b-1"}));
  EXPECT_EQ(must(store().blob_keys()), std::vector<std::string>{"blobs/a-1"});

  // The same bytes uploaded again after their blob died get a new blob.
  Upload again = must(store().create_upload(new_upload(ada.id))).upload;
  must(store().advance_upload(again.id, 0, 100));
  EXPECT_FALSE(must(store().complete_upload({again.id, kOtherSha, "image/jpeg", "", later})));
}

TEST_P(Uploads, ABlobClaimedForDeletionIsRevivedUnderANewKey) {
  User ada = user("ada");
  Upload u = complete(ada.id, kSha, "blobs/old");
  // Complete uploads are not terminated; an unattached one expires instead.
  EXPECT_EQ(status(store().delete_upload(u.id, ada.id)), "conflict");
  UploadSweep swept = must(store().sweep_uploads(now_ + 3'600'001, now_, 100));
  EXPECT_EQ(swept.dead_blobs, std::vector<std::string>{"blobs/old"});
  // Before the sweeper forgets it, the same content arrives: it must not reuse the key the
  // sweeper is deleting.
  Upload again = must(store().create_upload(new_upload(ada.id))).upload;
  must(store().advance_upload(again.id, 0, 100));
  EXPECT_FALSE(must(store().complete_upload({again.id, kSha, "image/jpeg", "", now_})));
  auto done = must(store().complete_upload({again.id, kSha, "image/jpeg", "blobs/new", now_}));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->blob_key, "blobs/new");
  // Forgetting the old key leaves the revived blob alone.
  must(store().forget_blobs({"blobs/old"}));
  EXPECT_EQ(must(store().blob_keys()), std::vector<std::string>{"blobs/new"});
  EXPECT_EQ(must(store().get_upload(again.id)).blob_key, "blobs/new");
}

TEST_P(Uploads, TerminatingAReceivingUploadFreesItsQuota) {
  User ada = user("ada");
  User bob = user("bob");
  Upload u = must(store().create_upload(new_upload(ada.id, 500))).upload;
  EXPECT_EQ(must(store().storage_used(ada.id)), 500);
  EXPECT_EQ(status(store().delete_upload(u.id, bob.id)), "not_found");
  must(store().delete_upload(u.id, ada.id));
  EXPECT_EQ(must(store().storage_used(ada.id)), 0);
  EXPECT_EQ(status(store().get_upload(u.id)), "not_found");
}

TEST_P(Uploads, MediaDetailsAreSharedByTheBlobAndAnnouncedToRecipients) {
  User ada = user("ada");
  User bob = user("bob");
  Upload u = complete(ada.id);
  Message m = send(carrying(ada.id, bob.id, {u.id}));
  const SyncSeq before = must(store().sync_state(bob.id)).last;

  MediaInfo media;
  media.preview = PreviewState::ready;
  media.width = 640;
  media.height = 480;
  media.thumbnail_type = "image/webp";
  Upload got = must(store().set_upload_media(u.id, media, "thumbs/a-1", now_));
  EXPECT_EQ(got.media.preview, PreviewState::ready);
  EXPECT_EQ(got.media.width, std::optional<std::int64_t>(640));
  EXPECT_EQ(got.thumbnail_key, "thumbs/a-1");

  SyncPage page = must(store().sync({.user = bob.id, .since = before, .now = now_}));
  ASSERT_EQ(page.entries.size(), 1u);
  EXPECT_EQ(page.entries[0].kind, EntryKind::attachment);
  EXPECT_EQ(page.entries[0].attachment, std::optional<UploadId>(u.id));
  EXPECT_EQ(page.entries[0].message, std::optional<MessageId>(m.id));
  EXPECT_EQ(page.entries[0].conversation, m.conversation);

  // A later upload of the same bytes has the details at once; the thumbnail is listed.
  Upload twin = complete(ada.id);
  EXPECT_EQ(twin.media.preview, PreviewState::ready);
  EXPECT_EQ(twin.thumbnail_key, "thumbs/a-1");
  auto keys = must(store().blob_keys());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "thumbs/a-1"), keys.end());
}

TEST_P(Uploads, SearchFindsAttachmentNamesAndFiltersOnThem) {
  User ada = user("ada");
  User bob = user("bob");
  Upload u = complete(ada.id);
  NewMessage with = carrying(ada.id, bob.id, {u.id});
  with.body = "holiday";
  Message m = send(with);
  NewMessage plain = direct(ada.id, bob.id, "holiday without pictures");
  send(plain);

  MessageSearch s;
  s.user = bob.id;
  s.match = must(SearchQuery::parse("cat")).root();
  s.now = now_;
  SearchHits hits = must(store().search(s));
  ASSERT_EQ(hits.hits.size(), 1u);
  EXPECT_EQ(hits.hits[0].item.message.id, m.id);
  EXPECT_EQ(hits.hits[0].item.message.attachments.size(), 1u);

  s.match = must(SearchQuery::parse("holiday")).root();
  EXPECT_EQ(must(store().search(s)).hits.size(), 2u);
  s.has_attachment = true;
  hits = must(store().search(s));
  ASSERT_EQ(hits.hits.size(), 1u);
  EXPECT_EQ(hits.hits[0].item.message.id, m.id);
}

}  // namespace

}  // namespace missive::testing
