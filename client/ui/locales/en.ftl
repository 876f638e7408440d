# TallSchool's screens in English. Every message here exists in every other language file
# with the same values ($n, $title…); the UI's tests check it.

## Everywhere
loading = Loading…
opening = Opening…
unexpected-answer = The app answered something unexpected.
error-offline = You are offline. Your work is kept on this device and syncs later.
error-session-ended = Your session has ended. Sign in again; nothing you did is lost.
back-to-lobby = ← Lobby
back-to-the-lobby = Back to the Lobby
back-to-classes = ← Classes
cancel = Cancel
save = Save
saved = Saved
edit = Edit
delete = Delete
title = Title
next = Next
key-space = Space
key-enter = Enter
sync = Sync
sync-now = Sync now
syncing = Syncing…
never-synced = never synced
synced-ago = synced { $ago }
all-saved = All saved · { $last }
changes-waiting = { $n ->
    [one] { $n } change waiting · { $last }
   *[other] { $n } changes waiting · { $last }
}
offline-banner = Offline — everything you do is kept on this device and syncs when the server is back.
account-button-title = Account, sync and sign out
activity-sync-round = Syncing: round { $round } of { $rounds }
activity-media = Downloading pictures and sound: { $done } of { $total } files ({ $bytes_done } of { $bytes_total })
activity-upload = Uploading: { $done } of { $total }

## Time and sizes
ago-now = just now
ago-minutes = { $n ->
    [one] { $n } minute ago
   *[other] { $n } minutes ago
}
ago-hours = { $n ->
    [one] { $n } hour ago
   *[other] { $n } hours ago
}
ago-yesterday = yesterday
ago-days = { $n ->
    [one] { $n } day ago
   *[other] { $n } days ago
}
size-kb = { $n } KB
size-mb = { $n } MB
size-gb = { $n } GB
due-on = due { $date }
not-a-date = “{ $date }” is not a date.

## Counting
cards-n = { $n ->
    [one] { $n } card
   *[other] { $n } cards
}
characters-n = { $n ->
    [one] { $n } character
   *[other] { $n } characters
}
questions-n = { $n ->
    [one] { $n } question
   *[other] { $n } questions
}

## Sign in
sign-in-intro = Sign in with the account your school gave you.
school-server = School server
username = Username
password = Password
sign-in = Sign in
signing-in = Signing in…
sign-in-unreachable = The school's server cannot be reached. Check the address and your connection, then try again.
sign-in-too-many = Too many attempts. Wait a minute, then try again.
sign-in-wrong = That username and password do not match. Try again.
sign-in-new-password = Choose a new password to continue.
sign-in-failed = Signing in did not work: { $detail }
language = Language

## Lobby
stat-cards-due = { $n ->
    [one] card due today
   *[other] cards due today
}
stat-streak = { $n ->
    [one] day streak
   *[other] days streak
}
stat-overdue = overdue
lobby-cards = Cards
lobby-nothing-due = Nothing to study right now. Well done!
lobby-assignments = Assignments
study = Study
read = Read
watch = Watch
kind-reading = Reading
kind-cards = Cards
kind-video-test = Video test
kind-deck = Deck
kind-text = Text
tag-overdue = overdue
read-label = Read
read-of-goal = { $read }% of { $goal }% read
count-new = { $n } new
count-learning = { $n } learning
count-review = { $n } to review

## Study
session-done = Session done
session-summary = { $answered ->
    [one] You answered { $answered } card; { $again } to see again soon.
   *[other] You answered { $answered } cards; { $again } to see again soon.
}
hint = Hint: { $hint }
type-the-answer = Type the answer, then Enter
typed-right = Right!
typed-not-quite = Not quite. You typed:
typed-the-answer = The answer:
show-answer = Show answer
rating-again = Again
rating-hard = Hard
rating-good = Good
rating-easy = Easy
rating-title = { $rating }: back in { $interval }
interval-under-minute = <1m
interval-minutes = { $n }m
interval-hours = { $n }h
interval-days = { $n }d
interval-months = { $n }mo
interval-years = { $n }y
media-still-downloading = A picture or sound of this card is still downloading.

## Reader
opening-text = Opening the text…
bookmark = Bookmark
bookmarked = Bookmarked.
highlighted = Highlighted.
card-made = A card for your own deck is made: it comes up when you study.
contents = Contents
selected-words = Selected words
note-optional = Note (optional)
make-a-card = Make a card
bookmarks = Bookmarks
bookmark-at = At { $percent }
delete-bookmark = Delete bookmark
highlights = Highlights
delete-highlight = Delete highlight
highlight-yellow = Highlight in yellow
highlight-green = Highlight in green
highlight-blue = Highlight in blue
highlight-pink = Highlight in pink
highlight-orange = Highlight in orange

## Account
account-title = Account and sync
never-synced-long = Never synced
last-synced = Last synced { $ago }
everything-saved = Everything is saved on the server
changes-to-send = { $n ->
    [one] { $n } change waits to be sent
   *[other] { $n } changes wait to be sent
}
server-unreachable-retrying = The server cannot be reached now; the app tries again every few seconds.
documents-refused = { $n ->
    [one] The server refused { $n } document; it stays on this device:
   *[other] The server refused { $n } documents; they stay on this device:
}
try-again = Try them again
media-title = Pictures, sound and video
media-nothing = Nothing to keep offline yet. Up to { $budget } may be used.
media-on-device = { $wanted ->
    [one] { $cached } of { $wanted } file on this device · { $bytes } of { $budget } allowed
   *[other] { $cached } of { $wanted } files on this device · { $bytes } of { $budget } allowed
}
storage-used = Storage used
media-over-budget = { $n ->
    [one] { $n } file does not fit: allow more space to keep it offline.
   *[other] { $n } files do not fit: allow more space to keep them offline.
}
download-failed = A download failed: { $why }
space-allowed = Space allowed
download-now = Download now
appearance = Language and appearance
theme-label = Colours
theme-system = As the system
theme-light = Light
theme-dark = Dark
devices = Your devices
devices-need-server = The list of your devices needs a connection to the server.
this-device = this device
device-last-used = last used { $ago }
sign-out-device = Sign it out
passwords-differ = The new passwords are not the same.
current-password = Current password
new-password = New password
repeat-password = New password again
password-changed = Your password is changed.
change-password = Change password
signed-in-as = Signed in as { $name }
work-not-on-server = Some of your work is not on the server yet.
stay-or-delete = Stay signed in and it is sent as soon as the server can be reached — or sign out and delete it from this device.
stay-signed-in = Stay signed in
sign-out-and-delete = Sign out and delete it
sign-out-help = Your work is sent to the server first. Your data leaves this device when you sign out.
sign-out = Sign out

## Teacher: classes
no-classes = No classes yet. Sync to fetch the classes you teach.
class-progress = Class progress
assign = Assign
assign-to = To
assign-whole-class = the whole class
assign-due = Due
assign-section = Part to read (a chapter's title; empty for all)
assign-note = Note for the students
new-deck-title = New deck's title
new-text-title = New text's title
new-video-test-title = New video test's title
create-deck = Create deck
create-text = Create text
create-video-test = Create video test
theme = Theme
theme-placeholder = Theme (e.g. Animals)
theme-is = Theme: { $theme }
student-short-id = Student { $id }

## Teacher: deck editor
card-type = Type
card-front = Front
card-back = Back
card-tags = Tags
card-type-basic = basic
card-type-reversed = reversed
card-type-type-in = typed answer
card-type-cloze = cloze
delete-card = Delete card { $front }
add-a-card = Add a card
add-card = Add card
cloze-placeholder = The {"{{"}c1::Nile{"}}"} is in Africa
not-utf8 = { $file } is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and try again.
file-unreadable = { $file } could not be read: { $detail }
import-cards = Import cards
import-cards-help = A CSV or tab-separated file with a header row: front, back, and optionally type, example, hint, tags. Rows with a problem are left out and listed; the others are added.
import-from-file = From a file
import-paste = Or paste rows (from a spreadsheet)
import-pasted = Import pasted rows
cards-imported = { $n ->
    [one] { $n } card imported.
   *[other] { $n } cards imported.
}
rows-left-out = { $n ->
    [one] { $n } row left out:
   *[other] { $n } rows left out:
}
row-because = Row { $row }: { $reason }
row-unreadable = unreadable row: { $detail }
row-too-many-fields = { $found } fields, the header has { $expected }
card-empty-front = the front is empty
card-empty-back = the back is empty
card-too-long = the { $field } is longer than 10000 characters
card-cloze-without-deletion = a cloze card needs at least one deletion such as {"{{"}c1::answer{"}}"}
card-unknown-type = unknown card type “{ $kind }” (basic, reversed, type_in, cloze)
card-bad-media = a picture or sound is not a file of this deck
card-bad-tag = the tag “{ $tag }” contains a space

## Teacher: text editor
unsaved-changes = Unsaved changes
changes-not-saved = Your changes are not saved.
keep-editing = Keep editing
leave-without-saving = Leave without saving
markdown = Markdown
markdown-help = # A chapter, ## a section, *italic*, **bold**, - lists. Students see the chapters as the contents.
preview = Preview

## Teacher: class progress
loading-class = Loading the class…
class-progress-title = { $class }: progress
names-need-server = Students' names need a connection to the server; they show when you are online.
retention-by-theme = Retention by theme
col-student = Student
col-cards-studied = Cards studied
col-reviews = Reviews
col-lapses = Lapses
col-retention = Retention
col-read = Read
col-last-read = Last read
col-highlights = Highlights
tag-struggling = struggling
not-started = not started
reading-title = Reading: { $title }
hardest-cards = Hardest cards
hard-card = { $reviews ->
    [one] { $front } — { $retention } ({ $reviews } review)
   *[other] { $front } — { $retention } ({ $reviews } reviews)
}

## Files
copying-file = Preparing the file…
uploading-file = Uploading…
size-of = { $done } of { $total }

## Video tests: the student's player
video-player = Video player: Space plays or pauses, the arrow keys go back or on 5 seconds
video-downloading = The video is still downloading to this device. It plays here once it is downloaded — with or without a connection.
video-no-skipping = Skipping ahead is off for this test: watch on from where you are.
video-no-skipping-short = No skipping ahead
play = Play
pause = Pause
back-10 = Back 10 seconds
timeline = Where the video is
speed = Speed
question-at = Question at { $time }
points-n = { $n ->
    [one] { $n } point
   *[other] { $n } points
}
true = True
false = False
your-answer = Your answer
answer = Answer
answer-later = Later
answer-saved = Answer saved.
answer-right = Right!
answer-wrong = Not right.
points-of = { $points } of { $max } points
continue = Continue
questions-answered = { $total ->
    [one] { $answered } of { $total } question answered
   *[other] { $answered } of { $total } questions answered
}
unanswered-warning = { $n ->
    [one] { $n } question has no answer yet. Hand the test in anyway?
   *[other] { $n } questions have no answer yet. Hand the test in anyway?
}
submit-anyway = Hand it in
keep-watching = Keep watching
submit-attempt = Hand in the test
attempt-submitted = Handed in. Your results come after the next sync.
no-attempts-left = You have used every attempt at this test.
start-attempt = Start the test
resume-attempt = Go on from { $time }
test-rules = { $questions ->
    [one] { $questions } question. { $feedback }
   *[other] { $questions } questions. { $feedback }
}
feedback-instant = You see at once whether each answer is right.
feedback-graded = Your results come after you hand it in and sync.
attempts-left = { $n ->
    [one] { $n } attempt left.
   *[other] { $n } attempts left.
}
your-results = Your results
attempt-n = Attempt { $n }
handed-in = handed in { $date }
results-after-sync = results come after the next sync
score = { $score } of { $max } points
score-so-far = { $waiting ->
    [one] { $score } of { $max } points so far; { $waiting } answer waits for your teacher
   *[other] { $score } of { $max } points so far; { $waiting } answers wait for your teacher
}

## Video tests: the teacher's editor
kind-single-choice = one right option
kind-multiple-choice = several right options
kind-true-false = true or false
kind-short-text = short answer
question-needs-prompt = Write the question first.
question-needs-options = A choice question needs at least two options.
question-needs-right-option = Mark the right option.
question-one-right-option = Only one option can be right; choose “several right options” for more.
the-video = The video
no-video-yet = No video yet. Choose one: students watch it from their own device, also offline.
video-length = Length: { $time }
replace-video = Replace the video
choose-video = Choose the video
rules = Rules
prevent-skipping = Students may not skip ahead (rewatching is allowed)
attempts-allowed = Attempts allowed (0: as many as they like)
attempts-not-a-number = The number of attempts is a whole number, 0 for as many as they like.
when-results = When students see their results
feedback-graded-option = After they hand it in and sync (answer keys stay on the server)
feedback-instant-option = At once, answer by answer
save-rules = Save the rules
questions = Questions
go-to-time = Go to this moment
delete-question = Delete the question “{ $prompt }”
add-question-at = A question at { $time }
add-question-help = Play or move the video to the moment the question should stop it.
question-kind = Kind
question-prompt = Question
options-right = Options (mark the right ones)
option-is-right = Option { $n } is right
option-n = Option { $n }
add-option = Add an option
right-answer = Right answer
accepted-answers = Accepted answers (one per line)
accepted-answers-help = Answers that match one of these get the points. Leave it empty to grade every answer yourself.
points = Points
keys-stay-on-server = The answer key goes to the server only; students' devices never hold it.
add-question = Add the question

## Video tests: results in the class view
video-test-title = Video test: { $title }
col-attempts = Attempts
col-score = Latest score
col-handed-in = Handed in
not-handed-in = not handed in
waiting-for-server = waiting for the server to grade it
score-to-grade = { $score } so far, to grade
to-grade = { $n ->
    [one] { $n } answer to grade
   *[other] { $n } answers to grade
}
points-of-max = Points (of { $max })
points-out-of-range = Give 0 to { $max } points.
give-points = Give points

## Teacher: deck media, export and Anki
card-media = Pictures and sound
card-picture-or-sound = A picture or sound (optional)
add-media = Add a picture or sound
remove-media = Remove it
a-picture = a picture
a-sound = sound
media-not-here-yet = on its way
export-csv = Export (CSV)
exported-to = Saved as { $path }
import-anki = Import an Anki deck
import-anki-help-deck = An Anki deck (.apkg, from any Anki version): its notes become cards of this deck with their pictures, sound and tags.
import-anki-help-class = Teachers' Anki decks (.apkg) become decks of this class: basic, reversed, typed-answer and cloze notes keep their kind, with pictures, sound and tags.
choose-anki-file = Choose the Anki deck
import-anki-as-decks = Import an Anki deck
importing-anki = Importing: uploading its pictures and sound…
activity-import = Importing an Anki deck: { $done } of { $total } pictures and sounds
anki-imported = { $notes ->
    [one] { $cards } cards made from { $notes } note.
   *[other] { $cards } cards made from { $notes } notes.
}
this-deck = this deck
anki-media-uploaded = { $n ->
    [one] { $n } picture or sound uploaded.
   *[other] { $n } pictures and sounds uploaded.
}
anki-as-basic = { $n ->
    [one] The note type “{ $kind }” has no equal here: its { $n } note became a basic card (first field the front, second the back, the rest the example).
   *[other] The note type “{ $kind }” has no equal here: its { $n } notes became basic cards (first field the front, second the back, the rest the example).
}
anki-notes-left-out = { $n ->
    [one] { $n } note left out:
   *[other] { $n } notes left out:
}
anki-media-missing = Named in notes but not in the file: { $names }. Those cards came in without them.
anki-media-refused = The server did not keep { $name }: { $why }

## Lobby: work done
lobby-done = Done ({ $n })
see-results = Results

## Sign in: the account's own password after a one-time one
choose-password-title = Choose your password
choose-password-intro = You signed in with a one-time password. Choose your own now: you sign in with it from now on, on every device.
one-time-password = The one-time password you were given
choose-password = Save my password

## Teacher: groups
assign-a-group = a group of students
group-members = The group
group-name = Group's name
group-name-placeholder = e.g. Reading club
group-needs-name-and-students = Name the group and tick its students.

## Teacher: a card's other fields
card-example = Example (shown with the answer)
card-hint = Hint (shown before the answer)
card-tags-help = Tags (separated by spaces)
more-fields = Example, hint and tags
edit-card = Edit card { $front }

# The web app (in a browser, and installed on a phone)
update-ready = A new version of TallSchool is ready.
update-reload = Reload to update
home-screen-hint = On an iPhone or iPad, add TallSchool to your Home Screen (Share, then “Add to Home Screen”): Safari deletes the data of sites you have not opened for 7 days, and work not yet synced would go with it.
got-it = Got it
browser-storage-title = This browser's storage
browser-storage-used = TallSchool uses { $used } of the { $quota } this browser allows.
browser-storage-kept = The browser keeps this data until you remove it.
browser-storage-not-kept = The browser may clear this data when the device runs short of space: sync often.
browser-storage-keep = Ask the browser to keep it
open-elsewhere-title = TallSchool is open in another tab
open-elsewhere = Your work on this device is in use in another tab or window. Close TallSchool there and it opens here by itself.
engine-failed = TallSchool cannot run in this browser: { $why }

## The admin dashboard (/admin)
admin-dashboard = Admin dashboard
admin-sign-in-lead = Sign in with a school admin's or a technical admin's account.
admin-not-an-admin = The dashboard is for admins. Students and teachers use the TallSchool app.
admin-signed-out = You are signed out. Sign in again.
admin-no-school = This account belongs to no school.
admin-people = People
admin-import = Import
admin-classes = Classes
admin-operations = Operations
admin-filter = Filter
admin-role = Role
admin-status = Status
admin-actions = Actions
admin-pages = Pages
admin-page-of = Page { $page } of { $pages }
admin-reset-password = Reset password
admin-disable = Disable
admin-enable = Enable
admin-confirm-password = Confirm your password to reset { $username }'s password.
admin-confirm = Confirm
admin-one-time-password = One-time password for { $username }:
admin-shown-once = Hand these passwords over now: they are shown only once. Each signs in once and asks for a new password.
admin-done = Done
admin-new-account = New account
admin-display-name = Display name
admin-email = Email
admin-birth-year = Birth year (or date)
admin-create-account = Create account
admin-import-lead = A CSV file with a header line: username, role (student or teacher), and if you have them display_name, email, birth_date, class. Each row is created whole or not at all; the report says why a row was refused.
admin-import-choose = CSV file
admin-import-contents = Contents
admin-import-unreadable = That file cannot be read. Save it as CSV (UTF-8) and choose it again.
admin-import-send = Import
admin-importing = Importing…
admin-import-report = { $created } created, { $rejected } refused
admin-line = Line
admin-outcome = Outcome
admin-detail = Detail
admin-created = Created
admin-rejected = Refused
admin-class-name = Class
admin-cohort = Cohort
admin-no-cohort = No cohort
admin-new-class = New class
admin-create-class = Create class
admin-members = { $n ->
    [one] { $n } member
   *[other] { $n } members
}
admin-remove = Remove
admin-remove-from-class = Remove { $username } from the class
admin-enrol = Enrol a student or teacher
admin-choose-person = Choose a person
admin-enrol-button = Enrol
admin-server = Server
admin-database = Database
admin-pii-keys = Personal-data keys
admin-pii-keys-state = { $provider } · { $keys ->
        [one] 1 data key
       *[other] { $keys } data keys
    } · { $people } people's own keys ({ $destroyed } destroyed by erasure) · { $behind } fields to re-encrypt
admin-jobs = Jobs
admin-run = Run now
admin-running = Running…
job-digests = Weekly digests
job-digests-about = Each school's cohort digest for last week (retention, activity, reading, scores).
job-compaction = Document compaction
job-compaction-about = Folds long change histories into snapshots, so that devices sync faster.
job-media-gc = Media clean-up
job-media-gc-about = Deletes stored media no document uses any more, and abandoned uploads.
job-retention = Retention
job-retention-about = Deletes access-log rows and security events older than the configured days.
job-key-rotation = Personal-data key rotation
job-key-rotation-about = Starts a new data key and re-encrypts every stored field under it.
role-tech-admin = Technical admin
role-edu-admin = School admin
role-teacher = Teacher
role-student = Student
status-active = Active
status-disabled = Disabled
admin-devices = Devices
admin-devices-of = { $username }'s devices
admin-close = Close
admin-no-devices = No device is signed in.
admin-device-last-used = Last used { $at }
admin-sign-out-device = Sign out
admin-wipe-device = Also remove this account's data from the device when it next connects (its unsynced work is lost)
admin-device-signed-out = Signed out. The device asks for the password again; its data stays on it.
admin-device-wiped = Signed out. The device removes this account's data when it next connects.
error-device-wiped = Your school signed this device out and removed your data from it. Sign in again to continue.
admin-erase = Erase…
admin-erase-title = Erase { $username }
admin-erase-what = Erasing removes this person's personal data, progress and answers from the server for good, signs out every device of theirs and removes their data from each device when it next connects. Decks, texts and tests they made as a teacher stay with the class (held by you). This cannot be undone.
admin-erase-type-username = Type { $username } to confirm
admin-your-password = Your password
admin-erase-confirm = Erase permanently
admin-erased = Erased: { $documents } progress documents deleted, { $devices } devices told to remove the data, { $reassigned } documents handed to you.
admin-legal-hold-standing = On legal hold
admin-legal-hold-placed = Placed by { $by } on { $at }
admin-legal-hold-blocks = This person cannot be erased while the hold stands, neither on request nor when their account's retention ends. Lift it when the case is closed.
admin-legal-hold-lift = Lift the hold
admin-legal-hold-instead = Place a legal hold instead…
admin-legal-hold-what = A legal hold keeps this person's records from erasure while a case or an investigation needs them. It is shown to every admin of the school and recorded as a security event.
admin-legal-hold-reason = Why (a case or reference, at least 10 characters)
admin-legal-hold-place = Place the hold
security-legal-hold-placed = Legal hold placed
security-legal-hold-lifted = Legal hold lifted
admin-new-password = New password
admin-repeat-password = The new password again
admin-save-password = Save password
admin-schools = Schools
admin-school-name = School
admin-first-admin = New school admin
admin-new-school = New school
admin-create-school = Create school
admin-school-admin-username = Username of a new school admin
admin-add-school-admin = Add school admin
admin-export = Export data
admin-exported = { $username }'s data was saved ({ $size }). It holds personal data: keep it safe and delete it once handed over.
admin-consents = Consents
admin-consents-of = { $username }'s consents
consent-platform = Learning with TallSchool
consent-recordings = Photos, audio and video
consent-analytics = School statistics
consent-given = Given
consent-withdrawn = Withdrawn
consent-by-student = by the student
consent-by-parent = by a parent or guardian
consent-by-school = by the school
consent-none = Not recorded
consent-history = { $n ->
    [one] { $n } record
   *[other] { $n } records
}
consent-purpose = For
consent-decision = Decision
consent-giver = Given by
consent-record = Record

## Admin dashboard: the school's privacy page and break-glass access
admin-privacy = Privacy
admin-consent-to-learn = Consent to learn with TallSchool
admin-consent-school-authorisation = The school's authorisation
admin-authorisation = Lawful basis
admin-authorised = The school authorises TallSchool for educational use
admin-since = since { $at }
admin-authorised-means = New student accounts rest on this authorisation, given on parents' behalf for teaching only. A parent's own consent can still be recorded for each student.
admin-not-authorised = No school authorisation on record
admin-not-authorised-means = Each new student account needs the consent of a parent or guardian (or the student) recorded when it is created.
admin-give-authorisation = Record the school's authorisation
admin-withdraw-authorisation = Withdraw the authorisation
admin-break-glass = Break-glass access
admin-break-glass-means = Technical admins cannot see personal data. In an emergency one may open access to this school's for up to an hour, giving a reason; every grant is listed here.
admin-no-break-glass = No technical admin has opened access to your school's personal data.
admin-someone-erased = (erased account)
admin-open-now = open now
admin-access-log = Access log
admin-access-log-means = Every read of personal data in your school, and every refused attempt: who, whose, which fields, why. Never the values.
admin-when = When
admin-who-read = Who
admin-whose = Whose
admin-fields = Fields
admin-why = Why
admin-outcome = Outcome
admin-read = Read
admin-refused = Refused
admin-break-glass-for = Break-glass access: { $school }
admin-break-glass-what = Opens this school's personal data to you for a few minutes. The reason, the time and every person you look at are logged and shown to the school's admins.
admin-break-glass-reason = Reason (shown to the school)
admin-break-glass-minutes = Minutes (1 to 60)
admin-break-glass-button = Open access
admin-break-glass-open = Access open until { $until }
admin-break-glass-logged = Each person you open is logged with your reason.
admin-show-personal-data = Show personal data

## Admin dashboard: digests, devices across schools, security events
admin-digests = Digests
admin-digest-scope = Cohort or class
admin-digest-cohort = { $name } (cohort)
admin-compute-digests = Compute last week
admin-no-digests = No digests yet for this group. They are computed every week; "Compute last week" does it now.
admin-digest-weeks = { $n ->
    [one] One week
   *[other] The last { $n } weeks
}
admin-chart-retention = Retention
admin-chart-active = Active students
admin-chart-pace = Reading pace
admin-chart-scores = Test scores
admin-digest-students = Students
admin-digest-reviews = Reviews last week
admin-digest-attempts = Tests handed in
admin-digest-overdue = Overdue assignments
admin-security = Security
admin-refresh = Refresh
admin-device = Device
admin-last-used = Last used
admin-sign-out-and-wipe = Sign out and remove data
admin-device-of-signed-out = { $device } of { $username } is signed out.
admin-device-of-wiped = { $device } of { $username } is signed out and removes this account's data at its next contact.
security-events = Security events
security-what = What
security-account = Account
security-details = Details
security-access-log-of = Access log of
security-password-rejected = Wrong password
security-throttled = Sign-ins slowed down
security-refresh-reuse = Refresh token used twice
security-sessions-revoked = Sessions ended
security-sensitive-change = Sensitive change
security-pii-denied = Personal data refused
security-break-glass = Break-glass access opened
security-retention-erasure = Erased after retention
admin-device-last-sync = Last synced { $at }
admin-device-never-synced = Not synced yet
admin-device-waiting = { $n ->
    [0] everything sent
    [one] 1 change not sent yet
   *[other] { $n } changes not sent yet
}
job-ok = done
job-failed = failed
job-running-or-cut = running, or cut off
job-by-schedule = schedule
job-last-run = Last run { $at } by { $by }
job-history = Job runs
job-name = Job
job-started = Started
job-took = Took
job-server = Server
job-by = By
job-outcome = Outcome
job-report = Report
admin-purpose-break-glass = Break-glass: { $reason }
admin-chart-no-data = No data yet
job-never-run = No run on record yet
admin-server-version = Version
error-update-required = This version of TallSchool is too old for your school's server. Please update the app: everything on this device is kept and syncs after the update.
