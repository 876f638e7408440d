# Экраны TallSchool по-русски. Здесь те же сообщения, что и в en.ftl, с теми же значениями
# ($n, $title…); это проверяют тесты интерфейса. Множественное число: [one] 1, 21…;
# [few] 2–4, 22–24…; *[other] 0, 5–20… и дроби.

## Везде
loading = Загрузка…
opening = Открываем…
unexpected-answer = Приложение ответило что-то неожиданное.
error-offline = Нет связи. Ваша работа сохранена на этом устройстве и отправится позже.
error-session-ended = Сеанс закончился. Войдите снова — ничего из сделанного не потеряно.
back-to-lobby = ← Главная
back-to-the-lobby = На главную
back-to-classes = ← Классы
cancel = Отмена
save = Сохранить
saved = Сохранено
edit = Изменить
delete = Удалить
title = Название
next = Дальше
key-space = Пробел
key-enter = Enter
sync = Синхронизация
sync-now = Синхронизировать
syncing = Синхронизация…
never-synced = ещё не синхронизировано
synced-ago = синхронизировано { $ago }
all-saved = Всё сохранено · { $last }
changes-waiting = { $n ->
    [one] { $n } изменение ждёт отправки · { $last }
    [few] { $n } изменения ждут отправки · { $last }
   *[other] { $n } изменений ждут отправки · { $last }
}
offline-banner = Нет связи с сервером — всё, что вы делаете, сохраняется на этом устройстве и отправится, когда сервер снова будет доступен.
account-button-title = Учётная запись, синхронизация и выход
activity-sync-round = Синхронизация: шаг { $round } из { $rounds }
activity-media = Загрузка картинок и звука: { $done } из { $total } файлов ({ $bytes_done } из { $bytes_total })
activity-upload = Отправка: { $done } из { $total }

## Время и размеры
ago-now = только что
ago-minutes = { $n ->
    [one] { $n } минуту назад
    [few] { $n } минуты назад
   *[other] { $n } минут назад
}
ago-hours = { $n ->
    [one] { $n } час назад
    [few] { $n } часа назад
   *[other] { $n } часов назад
}
ago-yesterday = вчера
ago-days = { $n ->
    [one] { $n } день назад
    [few] { $n } дня назад
   *[other] { $n } дней назад
}
size-kb = { $n } КБ
size-mb = { $n } МБ
size-gb = { $n } ГБ
due-on = до { $date }
not-a-date = «{ $date }» — это не дата.

## Счёт
cards-n = { $n ->
    [one] { $n } карточка
    [few] { $n } карточки
   *[other] { $n } карточек
}
characters-n = { $n ->
    [one] { $n } знак
    [few] { $n } знака
   *[other] { $n } знаков
}
questions-n = { $n ->
    [one] { $n } вопрос
    [few] { $n } вопроса
   *[other] { $n } вопросов
}

## Вход
sign-in-intro = Войдите с учётной записью, которую вам выдала школа.
school-server = Сервер школы
username = Имя пользователя
password = Пароль
sign-in = Войти
signing-in = Входим…
sign-in-unreachable = Сервер школы недоступен. Проверьте адрес и подключение и попробуйте снова.
sign-in-too-many = Слишком много попыток. Подождите минуту и попробуйте снова.
sign-in-wrong = Имя пользователя и пароль не подходят. Попробуйте ещё раз.
sign-in-new-password = Чтобы продолжить, придумайте новый пароль.
sign-in-failed = Войти не получилось: { $detail }
language = Язык

## Главная
stat-cards-due = { $n ->
    [one] карточка на сегодня
    [few] карточки на сегодня
   *[other] карточек на сегодня
}
stat-streak = { $n ->
    [one] день подряд
    [few] дня подряд
   *[other] дней подряд
}
stat-overdue = просрочено
lobby-cards = Карточки
lobby-nothing-due = Сейчас повторять нечего. Отлично!
lobby-assignments = Задания
study = Учить
read = Читать
watch = Смотреть
kind-reading = Чтение
kind-cards = Карточки
kind-video-test = Видеотест
kind-deck = Колода
kind-text = Текст
tag-overdue = просрочено
read-label = Прочитано
read-of-goal = прочитано { $read }% из { $goal }%
count-new = новых: { $n }
count-learning = изучаемых: { $n }
count-review = повторить: { $n }

## Учёба
session-done = Занятие окончено
session-summary = Ответов: { $answered }; повторить скоро: { $again }.
hint = Подсказка: { $hint }
type-the-answer = Введите ответ и нажмите Enter
typed-right = Верно!
typed-not-quite = Не совсем. Вы ввели:
typed-the-answer = Ответ:
show-answer = Показать ответ
rating-again = Снова
rating-hard = Трудно
rating-good = Хорошо
rating-easy = Легко
rating-title = { $rating }: снова через { $interval }
interval-under-minute = <1 мин
interval-minutes = { $n } мин
interval-hours = { $n } ч
interval-days = { $n } д
interval-months = { $n } мес
interval-years = { $n } г
media-still-downloading = Картинка или звук этой карточки ещё загружается.

## Чтение
opening-text = Открываем текст…
bookmark = Закладка
bookmarked = Закладка сделана.
highlighted = Выделено.
card-made = Карточка в вашей колоде готова: она появится, когда будете учить.
contents = Содержание
selected-words = Выделенные слова
note-optional = Заметка (необязательно)
make-a-card = Сделать карточку
bookmarks = Закладки
bookmark-at = На { $percent }
delete-bookmark = Удалить закладку
highlights = Выделения
delete-highlight = Удалить выделение
highlight-yellow = Выделить жёлтым
highlight-green = Выделить зелёным
highlight-blue = Выделить синим
highlight-pink = Выделить розовым
highlight-orange = Выделить оранжевым

## Учётная запись
account-title = Учётная запись и синхронизация
never-synced-long = Ещё не синхронизировано
last-synced = Последняя синхронизация { $ago }
everything-saved = Всё сохранено на сервере
changes-to-send = { $n ->
    [one] { $n } изменение ждёт отправки
    [few] { $n } изменения ждут отправки
   *[other] { $n } изменений ждут отправки
}
server-unreachable-retrying = Сервер сейчас недоступен; приложение пробует снова каждые несколько секунд.
documents-refused = { $n ->
    [one] Сервер не принял { $n } документ; он остаётся на этом устройстве:
    [few] Сервер не принял { $n } документа; они остаются на этом устройстве:
   *[other] Сервер не принял { $n } документов; они остаются на этом устройстве:
}
try-again = Попробовать снова
media-title = Картинки, звук и видео
media-nothing = Пока нечего хранить без сети. Можно занять до { $budget }.
media-on-device = На этом устройстве { $cached } из { $wanted } · { $bytes } из { $budget } разрешённых
storage-used = Занято места
media-over-budget = { $n ->
    [one] { $n } файл не помещается: разрешите больше места, чтобы он был доступен без сети.
    [few] { $n } файла не помещаются: разрешите больше места, чтобы они были доступны без сети.
   *[other] { $n } файлов не помещаются: разрешите больше места, чтобы они были доступны без сети.
}
download-failed = Загрузка не удалась: { $why }
space-allowed = Разрешено места
download-now = Загрузить сейчас
appearance = Язык и оформление
theme-label = Цвета
theme-system = Как в системе
theme-light = Светлые
theme-dark = Тёмные
devices = Ваши устройства
devices-need-server = Для списка устройств нужна связь с сервером.
this-device = это устройство
device-last-used = использовалось { $ago }
sign-out-device = Выйти на нём
passwords-differ = Новые пароли не совпадают.
current-password = Текущий пароль
new-password = Новый пароль
repeat-password = Новый пароль ещё раз
password-changed = Пароль изменён.
change-password = Сменить пароль
signed-in-as = Вы вошли как { $name }
work-not-on-server = Часть вашей работы ещё не на сервере.
stay-or-delete = Останьтесь в системе, и она отправится, как только сервер станет доступен, — или выйдите и удалите её с этого устройства.
stay-signed-in = Остаться в системе
sign-out-and-delete = Выйти и удалить её
sign-out-help = Сначала ваша работа отправляется на сервер. После выхода ваши данные удаляются с этого устройства.
sign-out = Выйти

## Учитель: классы
no-classes = Классов пока нет. Синхронизируйте, чтобы получить классы, в которых вы преподаёте.
class-progress = Успехи класса
assign = Задать
assign-to = Кому
assign-whole-class = всему классу
assign-due = Срок
assign-section = Что прочитать (название главы; пусто — весь текст)
assign-note = Заметка для учеников
new-deck-title = Название новой колоды
new-text-title = Название нового текста
new-video-test-title = Название нового видеотеста
create-deck = Создать колоду
create-text = Создать текст
create-video-test = Создать видеотест
theme = Тема
theme-placeholder = Тема (например, Животные)
theme-is = Тема: { $theme }
student-short-id = Ученик { $id }

## Учитель: редактор колоды
card-type = Тип
card-front = Лицевая сторона
card-back = Оборотная сторона
card-tags = Метки
card-type-basic = обычная
card-type-reversed = в обе стороны
card-type-type-in = ввод ответа
card-type-cloze = пропуски
delete-card = Удалить карточку { $front }
add-a-card = Добавить карточку
add-card = Добавить
cloze-placeholder = {"{{"}c1::Нил{"}}"} течёт в Африке
not-utf8 = { $file } — не текст в UTF-8. Сохраните его из таблицы как «CSV UTF-8» и попробуйте снова.
file-unreadable = Не удалось прочитать { $file }: { $detail }
import-cards = Импорт карточек
import-cards-help = Файл CSV или с табуляцией и строкой заголовков: front, back и по желанию type, example, hint, tags. Строки с ошибками пропускаются и перечисляются, остальные добавляются.
import-from-file = Из файла
import-paste = Или вставьте строки (из таблицы)
import-pasted = Импортировать вставленное
cards-imported = { $n ->
    [one] Импортирована { $n } карточка.
    [few] Импортировано { $n } карточки.
   *[other] Импортировано { $n } карточек.
}
rows-left-out = { $n ->
    [one] Пропущена { $n } строка:
    [few] Пропущено { $n } строки:
   *[other] Пропущено { $n } строк:
}
row-because = Строка { $row }: { $reason }
row-unreadable = строку не прочитать: { $detail }
row-too-many-fields = полей: { $found }, а в заголовке { $expected }
card-empty-front = лицевая сторона пуста
card-empty-back = оборотная сторона пуста
card-too-long = поле { $field } длиннее 10000 знаков
card-cloze-without-deletion = в карточке с пропусками нужен хотя бы один пропуск, например {"{{"}c1::ответ{"}}"}
card-unknown-type = неизвестный тип карточки «{ $kind }» (basic, reversed, type_in, cloze)
card-bad-media = картинка или звук — не файл этой колоды
card-bad-tag = в метке «{ $tag }» есть пробел

## Учитель: редактор текста
unsaved-changes = Есть несохранённые изменения
changes-not-saved = Изменения не сохранены.
keep-editing = Продолжить правку
leave-without-saving = Уйти без сохранения
markdown = Markdown
markdown-help = # глава, ## раздел, *курсив*, **жирный**, - списки. Главы ученики видят в содержании.
preview = Предпросмотр

## Учитель: успехи класса
loading-class = Загружаем класс…
class-progress-title = { $class }: успехи
names-need-server = Для имён учеников нужна связь с сервером; они появятся, когда связь будет.
retention-by-theme = Запоминание по темам
col-student = Ученик
col-cards-studied = Изучено карточек
col-reviews = Повторений
col-lapses = Забываний
col-retention = Запоминание
col-read = Прочитано
col-last-read = Читал(а)
col-highlights = Выделений
tag-struggling = трудно
not-started = не начинал(а)
reading-title = Чтение: { $title }
hardest-cards = Самые трудные карточки
hard-card = { $front } — { $retention } (повторений: { $reviews })

## Файлы
copying-file = Подготовка файла…
uploading-file = Отправка…
size-of = { $done } из { $total }

## Видеотесты: плеер ученика
video-player = Видеоплеер: пробел — пуск или пауза, стрелки — на 5 секунд назад или вперёд
video-downloading = Видео ещё загружается на это устройство. Когда загрузится, оно будет воспроизводиться здесь — со связью и без.
video-no-skipping = В этом тесте нельзя перематывать вперёд: смотрите дальше с того места, где вы сейчас.
video-no-skipping-short = Без перемотки вперёд
play = Пуск
pause = Пауза
back-10 = Назад на 10 секунд
timeline = Где сейчас видео
speed = Скорость
question-at = Вопрос на { $time }
points-n = { $n ->
    [one] { $n } балл
    [few] { $n } балла
   *[other] { $n } баллов
}
true = Верно
false = Неверно
your-answer = Ваш ответ
answer = Ответить
answer-later = Позже
answer-saved = Ответ сохранён.
answer-right = Верно!
answer-wrong = Неверно.
points-of = { $points } из { $max }
continue = Дальше
questions-answered = Отвечено вопросов: { $answered } из { $total }
unanswered-warning = { $n ->
    [one] На { $n } вопрос ещё нет ответа. Всё равно сдать тест?
    [few] На { $n } вопроса ещё нет ответа. Всё равно сдать тест?
   *[other] На { $n } вопросов ещё нет ответа. Всё равно сдать тест?
}
submit-anyway = Сдать
keep-watching = Смотреть дальше
submit-attempt = Сдать тест
attempt-submitted = Сдано. Результаты придут после следующей синхронизации.
no-attempts-left = Все попытки этого теста использованы.
start-attempt = Начать тест
resume-attempt = Продолжить с { $time }
test-rules = Вопросов: { $questions }. { $feedback }
feedback-instant = Правильность каждого ответа видна сразу.
feedback-graded = Результаты придут после сдачи и синхронизации.
attempts-left = { $n ->
    [one] Осталась { $n } попытка.
    [few] Осталось { $n } попытки.
   *[other] Осталось { $n } попыток.
}
your-results = Ваши результаты
attempt-n = Попытка { $n }
handed-in = сдано { $date }
results-after-sync = результаты придут после следующей синхронизации
score = { $score } из { $max } баллов
score-so-far = пока { $score } из { $max } баллов; ответов ждут проверки учителя: { $waiting }

## Видеотесты: редактор учителя
kind-single-choice = один верный вариант
kind-multiple-choice = несколько верных вариантов
kind-true-false = верно или неверно
kind-short-text = короткий ответ
question-needs-prompt = Сначала напишите вопрос.
question-needs-options = В вопросе с выбором нужно хотя бы два варианта.
question-needs-right-option = Отметьте верный вариант.
question-one-right-option = Верным может быть только один вариант; для нескольких выберите «несколько верных вариантов».
the-video = Видео
no-video-yet = Видео пока нет. Выберите его: ученики смотрят его на своём устройстве, в том числе без сети.
video-length = Длительность: { $time }
replace-video = Заменить видео
choose-video = Выбрать видео
rules = Правила
prevent-skipping = Ученикам нельзя перематывать вперёд (пересматривать можно)
attempts-allowed = Разрешено попыток (0 — сколько угодно)
attempts-not-a-number = Число попыток — целое число, 0 — сколько угодно.
when-results = Когда ученики видят результаты
feedback-graded-option = После сдачи и синхронизации (ключи ответов хранятся только на сервере)
feedback-instant-option = Сразу, после каждого ответа
save-rules = Сохранить правила
questions = Вопросы
go-to-time = Перейти к этому моменту
delete-question = Удалить вопрос «{ $prompt }»
add-question-at = Вопрос на { $time }
add-question-help = Запустите или перемотайте видео к моменту, где вопрос должен его остановить.
question-kind = Вид
question-prompt = Вопрос
options-right = Варианты (отметьте верные)
option-is-right = Вариант { $n } верный
option-n = Вариант { $n }
add-option = Добавить вариант
right-answer = Верный ответ
accepted-answers = Принимаемые ответы (по одному в строке)
accepted-answers-help = Ответ, совпавший с одним из этих, получает баллы. Оставьте пустым, чтобы проверять каждый ответ самим.
points = Баллы
keys-stay-on-server = Ключ ответа уходит только на сервер; на устройствах учеников его нет.
add-question = Добавить вопрос

## Видеотесты: результаты в классе
video-test-title = Видеотест: { $title }
col-attempts = Попыток
col-score = Последний результат
col-handed-in = Сдано
not-handed-in = не сдано
waiting-for-server = ждёт проверки сервером
score-to-grade = пока { $score }, нужна проверка
to-grade = { $n ->
    [one] { $n } ответ ждёт проверки
    [few] { $n } ответа ждут проверки
   *[other] { $n } ответов ждут проверки
}
points-of-max = Баллы (из { $max })
points-out-of-range = Поставьте от 0 до { $max } баллов.
give-points = Поставить баллы

## Учитель: картинки, экспорт и Anki
card-media = Картинки и звук
card-picture-or-sound = Картинка или звук (по желанию)
add-media = Добавить картинку или звук
remove-media = Убрать
a-picture = картинка
a-sound = звук
media-not-here-yet = загружается
export-csv = Экспорт (CSV)
exported-to = Сохранено: { $path }
import-anki = Импорт колоды Anki
import-anki-help-deck = Колода Anki (.apkg, из любой версии Anki): её записи станут карточками этой колоды с картинками, звуком и метками.
import-anki-help-class = Колоды Anki (.apkg) станут колодами этого класса: обычные, двусторонние, с вводом ответа и с пропусками сохраняют свой вид, с картинками, звуком и метками.
choose-anki-file = Выбрать колоду Anki
import-anki-as-decks = Импорт колоды Anki
importing-anki = Импорт: отправляем картинки и звук…
activity-import = Импорт колоды Anki: { $done } из { $total } картинок и звуков
anki-imported = Карточек: { $cards }, из записей: { $notes }.
this-deck = эта колода
anki-media-uploaded = Отправлено картинок и звуков: { $n }.
anki-as-basic = { $n ->
    [one] Для типа записей «{ $kind }» здесь нет пары: { $n } запись стала обычной карточкой (первое поле — лицевая сторона, второе — оборотная, остальные — пример).
    [few] Для типа записей «{ $kind }» здесь нет пары: { $n } записи стали обычными карточками (первое поле — лицевая сторона, второе — оборотная, остальные — пример).
   *[other] Для типа записей «{ $kind }» здесь нет пары: { $n } записей стали обычными карточками (первое поле — лицевая сторона, второе — оборотная, остальные — пример).
}
anki-notes-left-out = { $n ->
    [one] Пропущена { $n } запись:
    [few] Пропущено { $n } записи:
   *[other] Пропущено { $n } записей:
}
anki-media-missing = В записях названы, но в файле их нет: { $names }. Эти карточки добавлены без них.
anki-media-refused = Сервер не принял { $name }: { $why }

## Главная: сделанное
lobby-done = Сделано ({ $n })
see-results = Результаты

## Вход: свой пароль после одноразового
choose-password-title = Придумайте пароль
choose-password-intro = Вы вошли с одноразовым паролем. Придумайте свой: с ним вы будете входить на всех устройствах.
one-time-password = Выданный вам одноразовый пароль
choose-password = Сохранить пароль

## Учитель: группы
assign-a-group = группе учеников
group-members = Группа
group-name = Название группы
group-name-placeholder = например, Кружок чтения
group-needs-name-and-students = Назовите группу и отметьте её учеников.

## Учитель: другие поля карточки
card-example = Пример (показывается с ответом)
card-hint = Подсказка (показывается до ответа)
card-tags-help = Метки (через пробел)
more-fields = Пример, подсказка и метки
edit-card = Изменить карточку { $front }

# Веб-приложение (в браузере и на телефоне)
update-ready = Готова новая версия TallSchool.
update-reload = Обновить
home-screen-hint = На iPhone и iPad добавьте TallSchool на экран «Домой» (кнопка «Поделиться», затем «На экран „Домой“»): Safari удаляет данные сайтов, которые не открывали 7 дней, а с ними и ещё не отправленную работу.
got-it = Понятно
browser-storage-title = Хранилище браузера
browser-storage-used = TallSchool занимает { $used } из { $quota }, доступных в этом браузере.
browser-storage-kept = Браузер хранит эти данные, пока вы их не удалите.
browser-storage-not-kept = Браузер может стереть эти данные, когда на устройстве мало места: синхронизируйтесь почаще.
browser-storage-keep = Попросить браузер сохранить их
open-elsewhere-title = TallSchool открыт в другой вкладке
open-elsewhere = Ваша работа на этом устройстве сейчас открыта в другой вкладке или окне. Закройте TallSchool там, и он откроется здесь сам.
engine-failed = TallSchool не может работать в этом браузере: { $why }

## The admin dashboard (/admin)
admin-dashboard = Панель администратора
admin-sign-in-lead = Войдите с учётной записью администратора школы или технического администратора.
admin-not-an-admin = Панель — для администраторов. Ученики и учителя работают в приложении TallSchool.
admin-signed-out = Вы вышли. Войдите снова.
admin-no-school = Эта учётная запись не относится ни к одной школе.
admin-people = Люди
admin-import = Импорт
admin-classes = Классы
admin-operations = Обслуживание
admin-filter = Фильтр
admin-role = Роль
admin-status = Состояние
admin-actions = Действия
admin-pages = Страницы
admin-page-of = Страница { $page } из { $pages }
admin-reset-password = Сбросить пароль
admin-disable = Отключить
admin-enable = Включить
admin-confirm-password = Подтвердите свой пароль, чтобы сбросить пароль { $username }.
admin-confirm = Подтвердить
admin-one-time-password = Одноразовый пароль для { $username }:
admin-shown-once = Передайте пароли сейчас: они показываются только один раз. Каждый подходит для одного входа, после которого нужно задать новый пароль.
admin-done = Готово
admin-new-account = Новая учётная запись
admin-display-name = Имя
admin-email = Эл. почта
admin-birth-year = Год рождения (или дата)
admin-create-account = Создать
admin-import-lead = CSV-файл со строкой заголовков: username, role (student или teacher) и, если есть, display_name, email, birth_date, class. Каждая строка создаётся целиком или не создаётся совсем; отчёт объясняет, почему строка отклонена.
admin-import-choose = CSV-файл
admin-import-contents = Содержимое
admin-import-unreadable = Этот файл не читается. Сохраните его как CSV (UTF-8) и выберите снова.
admin-import-send = Импортировать
admin-importing = Импорт…
admin-import-report = Создано: { $created }, отклонено: { $rejected }
admin-line = Строка
admin-outcome = Итог
admin-detail = Подробности
admin-created = Создана
admin-rejected = Отклонена
admin-class-name = Класс
admin-cohort = Параллель
admin-no-cohort = Без параллели
admin-new-class = Новый класс
admin-create-class = Создать класс
admin-members = { $n ->
    [one] { $n } участник
    [few] { $n } участника
   *[other] { $n } участников
}
admin-remove = Убрать
admin-remove-from-class = Убрать { $username } из класса
admin-enrol = Записать ученика или учителя
admin-choose-person = Выберите человека
admin-enrol-button = Записать
admin-server = Сервер
admin-database = База данных
admin-pii-keys = Ключи персональных данных
admin-pii-keys-state = { $provider } · ключей данных: { $keys } · личных ключей: { $people } (уничтожено при удалении: { $destroyed }) · полей к перешифрованию: { $behind }
admin-jobs = Задачи
admin-run = Запустить
admin-running = Выполняется…
job-digests = Недельные сводки
job-digests-about = Сводка по параллелям каждой школы за прошлую неделю (удержание, активность, чтение, баллы).
job-compaction = Сжатие документов
job-compaction-about = Сворачивает длинные истории изменений в снимки, чтобы устройства синхронизировались быстрее.
job-media-gc = Очистка медиафайлов
job-media-gc-about = Удаляет медиафайлы, которые больше не нужны ни одному документу, и брошенные загрузки.
job-retention = Сроки хранения
job-retention-about = Удаляет записи журнала доступа и события безопасности старше заданного срока.
job-key-rotation = Смена ключа персональных данных
job-key-rotation-about = Создаёт новый ключ данных и перешифровывает им все сохранённые поля.
role-tech-admin = Технический администратор
role-edu-admin = Администратор школы
role-teacher = Учитель
role-student = Ученик
status-active = Активна
status-disabled = Отключена
admin-devices = Устройства
admin-devices-of = Устройства { $username }
admin-close = Закрыть
admin-no-devices = Ни на одном устройстве не выполнен вход.
admin-device-last-used = Последний раз: { $at }
admin-sign-out-device = Выйти
admin-wipe-device = Также удалить данные этой учётной записи с устройства при следующем подключении (неотправленная работа будет потеряна)
admin-device-signed-out = Выход выполнен. Устройство снова спросит пароль; данные остаются на нём.
admin-device-wiped = Выход выполнен. Устройство удалит данные этой учётной записи при следующем подключении.
error-device-wiped = Школа завершила сеанс на этом устройстве и удалила с него ваши данные. Войдите снова, чтобы продолжить.
admin-erase = Удалить…
admin-erase-title = Удалить { $username }
admin-erase-what = Удаление навсегда стирает с сервера персональные данные, прогресс и ответы этого человека, завершает сеансы на всех его устройствах и удаляет его данные с каждого устройства при следующем подключении. Колоды, тексты и тесты, созданные им как учителем, остаются в классе (за вами). Это нельзя отменить.
admin-erase-type-username = Введите { $username } для подтверждения
admin-your-password = Ваш пароль
admin-erase-confirm = Удалить навсегда
admin-erased = Удалено: документов прогресса — { $documents }, устройств, которым велено стереть данные, — { $devices }, документов передано вам — { $reassigned }.
admin-legal-hold-standing = Правовое удержание
admin-legal-hold-placed = Установил { $by }, { $at }
admin-legal-hold-blocks = Пока действует удержание, этого человека нельзя удалить — ни по запросу, ни по окончании срока хранения учётной записи. Снимите его, когда дело закрыто.
admin-legal-hold-lift = Снять удержание
admin-legal-hold-instead = Вместо этого установить правовое удержание…
admin-legal-hold-what = Правовое удержание защищает записи этого человека от удаления, пока они нужны для дела или расследования. Его видят все администраторы школы, и оно записывается как событие безопасности.
admin-legal-hold-reason = Причина (дело или номер, не менее 10 символов)
admin-legal-hold-place = Установить удержание
security-legal-hold-placed = Установлено правовое удержание
security-legal-hold-lifted = Снято правовое удержание
admin-new-password = Новый пароль
admin-repeat-password = Новый пароль ещё раз
admin-save-password = Сохранить пароль
admin-schools = Школы
admin-school-name = Школа
admin-first-admin = Новый администратор школы
admin-new-school = Новая школа
admin-create-school = Создать школу
admin-school-admin-username = Имя пользователя нового администратора школы
admin-add-school-admin = Добавить администратора
admin-export = Выгрузить данные
admin-exported = Данные { $username } сохранены ({ $size }). В них персональные данные: храните их бережно и удалите после передачи.
admin-consents = Согласия
admin-consents-of = Согласия { $username }
consent-platform = Обучение в TallSchool
consent-recordings = Фото, аудио и видео
consent-analytics = Школьная статистика
consent-given = Дано
consent-withdrawn = Отозвано
consent-by-student = учеником
consent-by-parent = родителем или опекуном
consent-by-school = школой
consent-none = Не записано
consent-history = { $n ->
    [one] { $n } запись
    [few] { $n } записи
   *[other] { $n } записей
}
consent-purpose = Для чего
consent-decision = Решение
consent-giver = Кем
consent-record = Записать

## Admin dashboard: the school's privacy page and break-glass access
admin-privacy = Конфиденциальность
admin-consent-to-learn = Согласие на обучение в TallSchool
admin-consent-school-authorisation = Разрешение школы
admin-authorisation = Правовое основание
admin-authorised = Школа разрешает TallSchool для учебных целей
admin-since = с { $at }
admin-authorised-means = Новые учётные записи учеников опираются на это разрешение, данное от имени родителей только для обучения. Согласие родителя можно записать и для каждого ученика.
admin-not-authorised = Разрешение школы не записано
admin-not-authorised-means = Для каждой новой учётной записи ученика нужно при создании записать согласие родителя или опекуна (или самого ученика).
admin-give-authorisation = Записать разрешение школы
admin-withdraw-authorisation = Отозвать разрешение
admin-break-glass = Экстренный доступ
admin-break-glass-means = Технические администраторы не видят персональные данные. В крайнем случае один из них может открыть доступ к данным этой школы не более чем на час, указав причину; каждый такой доступ виден здесь.
admin-no-break-glass = Ни один технический администратор не открывал доступ к персональным данным вашей школы.
admin-someone-erased = (удалённая учётная запись)
admin-open-now = открыт сейчас
admin-access-log = Журнал доступа
admin-access-log-means = Каждое чтение персональных данных в вашей школе и каждая отказанная попытка: кто, чьи, какие поля, зачем. Никогда — сами значения.
admin-when = Когда
admin-who-read = Кто
admin-whose = Чьи
admin-fields = Поля
admin-why = Зачем
admin-outcome = Итог
admin-read = Прочитано
admin-refused = Отказано
admin-break-glass-for = Экстренный доступ: { $school }
admin-break-glass-what = Открывает вам персональные данные этой школы на несколько минут. Причина, время и каждый просмотренный человек записываются и видны администраторам школы.
admin-break-glass-reason = Причина (её увидит школа)
admin-break-glass-minutes = Минут (от 1 до 60)
admin-break-glass-button = Открыть доступ
admin-break-glass-open = Доступ открыт до { $until }
admin-break-glass-logged = Каждый открытый вами человек записывается вместе с причиной.
admin-show-personal-data = Показать персональные данные

## Admin dashboard: digests, devices across schools, security events
admin-digests = Сводки
admin-digest-scope = Параллель или класс
admin-digest-cohort = { $name } (параллель)
admin-compute-digests = Посчитать прошлую неделю
admin-no-digests = Для этой группы сводок пока нет. Они считаются каждую неделю; «Посчитать прошлую неделю» сделает это сейчас.
admin-digest-weeks = { $n ->
    [one] Одна неделя
    [few] Последние { $n } недели
   *[other] Последние { $n } недель
}
admin-chart-retention = Удержание
admin-chart-active = Активные ученики
admin-chart-pace = Темп чтения
admin-chart-scores = Баллы за тесты
admin-digest-students = Учеников
admin-digest-reviews = Повторений за неделю
admin-digest-attempts = Сдано тестов
admin-digest-overdue = Просроченных заданий
admin-security = Безопасность
admin-refresh = Обновить
admin-device = Устройство
admin-last-used = Последний вход
admin-sign-out-and-wipe = Выйти и удалить данные
admin-device-of-signed-out = { $device } ({ $username }): выход выполнен.
admin-device-of-wiped = { $device } ({ $username }): выход выполнен, данные учётной записи удалятся при следующем подключении.
security-events = События безопасности
security-what = Что
security-account = Учётная запись
security-details = Подробности
security-access-log-of = Журнал доступа школы
security-password-rejected = Неверный пароль
security-throttled = Входы замедлены
security-refresh-reuse = Токен обновления использован дважды
security-sessions-revoked = Сеансы завершены
security-sensitive-change = Важное изменение
security-pii-denied = Отказ в доступе к персональным данным
security-break-glass = Открыт экстренный доступ
security-retention-erasure = Удалено по сроку хранения
admin-device-last-sync = Синхронизация { $at }
admin-device-never-synced = Ещё не синхронизировалось
admin-device-waiting = { $n ->
    [0] всё отправлено
    [one] { $n } изменение не отправлено
    [few] { $n } изменения не отправлены
   *[other] { $n } изменений не отправлено
}
job-ok = готово
job-failed = ошибка
job-running-or-cut = идёт или прервано
job-by-schedule = расписание
job-last-run = Последний запуск { $at }, запустил: { $by }
job-history = Запуски заданий
job-name = Задание
job-started = Начало
job-took = Длилось
job-server = Сервер
job-by = Кто
job-outcome = Итог
job-report = Отчёт
admin-purpose-break-glass = Экстренный доступ: { $reason }
admin-chart-no-data = Пока нет данных
job-never-run = Запусков пока не было
admin-server-version = Версия
error-update-required = Эта версия TallSchool слишком старая для сервера вашей школы. Обновите приложение: всё на этом устройстве сохранится и синхронизируется после обновления.
