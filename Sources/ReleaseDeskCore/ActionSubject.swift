import CanonicalJSON

/// What an action is about, so that its refusal lands in that batch's audit trail: a batch, an exception
/// (resolved to the batch it was raised on), a deviation (resolved to its batch) or a site (no batch).
public enum ActionSubject: Sendable, Equatable {
    case batch(String)
    case exception(String)
    case deviation(String)
    case site(String)

    /// The batch the subject belongs to in `state`, or nil when the journal does not know it.
    public func batch(in state: DeskState) -> String? {
        switch self {
        case .batch(let id):
            return state.batches[id] != nil ? id : nil
        case .deviation(let id):
            return state.release.deviations[id]?.batch
        case .site:
            return nil
        case .exception(let id):
            if let batch = state.release.dispositions[id]?.first?.batch { return batch }
            return state.batches.values.first { $0.review?.exceptions.contains { $0.id == id } == true }?.batch.id
        }
    }

    /// The fields a refusal of an action on this subject carries: `batch` when it resolves, and the
    /// exception or deviation id.
    public func refusalFields(in state: DeskState) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        if let batch = batch(in: state) { fields["batch"] = .string(batch) }
        switch self {
        case .batch: break
        case .exception(let id): fields["exception"] = .string(id)
        case .deviation(let id): fields["deviation"] = .string(id)
        case .site(let id): fields["site"] = .string(id)
        }
        return fields
    }
}

extension UserAdministration {
    /// A signature attempted under another user id than the signed-in one: a failed sign-in of the
    /// signed-in session, naming the id typed (`typed_user`). It counts towards the lock-out of the
    /// signed-in account, whose session made the attempt, never towards the account whose id was typed:
    /// nobody's account is locked by someone else's typing.
    public static func signatureUnderOtherID(typed: String, session user: String, channel: String, in state: DeskState)
        -> [RecordDraft]
    {
        var drafts = signInFailed(user, channel: channel, in: state)
        if let index = drafts.firstIndex(where: { $0.kind == RecordKind.signInFailed }) {
            drafts[index].body["cause"] = "other-user-id"
            drafts[index].body["typed_user"] = .string(typed)
        }
        return drafts
    }
}
