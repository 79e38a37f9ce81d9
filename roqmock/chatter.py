"""What people say in a seeded conversation: small phrase banks, one per language, for ``roqmock.seed``.

A conversation's messages are exchanges: an opener (a greeting, a question, some news), then the replies
that follow it, in order. Each line says who speaks, ``A`` (who opened), ``B`` (who answers) or ``C`` (a
third member, ``B`` again in a one-to-one), and may name them: ``{a}`` is A's first name, ``@{A}`` mentions A
as ROQ's UI does (``@First Last``). A ``[file]`` line is a file message, its body the file's name, as ROQ's
UI sends one. A system line names one member, ``{a}``; a conversation opens with one about its owner.
Banks fall back to English for other languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

SPEAKERS = "ABC"


class Line(NamedTuple):
    """One line of an exchange; a tuple, as seeding unpacks a hundred thousand of them."""

    speaker: int  # 0 for A, 1 for B, 2 for C
    text: str
    is_file: bool = False
    is_template: bool = False  # names someone: format it with the speakers' names

    @classmethod
    def parse(cls, line: str) -> Line:
        speaker, _, text = line.partition(": ")
        return cls(SPEAKERS.index(speaker), text, is_file=text == "[file]", is_template="{" in text)


Exchange = tuple[Line, ...]


def needs_three(exchange: Exchange) -> bool:
    """Whether ``exchange`` has a third member speak or be named: a one-to-one cannot hold it."""
    return any(line.speaker == 2 or "{c}" in line.text or "{C}" in line.text for line in exchange)


@dataclass(frozen=True, slots=True)
class Phrasebook:
    """The lines seeded conversations are written from, in one language."""

    exchanges: tuple[Exchange, ...]
    file_exchanges: tuple[Exchange, ...]  # the ones that pass a file along
    created: str  # the system message that opens a conversation, about its owner
    system: tuple[str, ...]
    topics: tuple[str, ...]  # group conversations' titles

    @property
    def two_people(self) -> tuple[Exchange, ...]:
        return tuple(exchange for exchange in self.exchanges if not needs_three(exchange))


def _book(
    exchanges: list[list[str]],
    file_exchanges: list[list[str]],
    created: str,
    system: list[str],
    topics: list[str],
) -> Phrasebook:
    def lines(exchange: list[str]) -> Exchange:
        return tuple(Line.parse(line) for line in exchange)

    return Phrasebook(
        tuple(map(lines, exchanges)), tuple(map(lines, file_exchanges)), created, tuple(system), tuple(topics)
    )


# fmt: off
ENGLISH = _book(
    [
        ["A: Morning {b}! How was the weekend?", "B: Great, thanks! We finally went hiking. You?",
         "A: Quiet one, lots of reading 📚"],
        ["A: Hey, do you have a minute?", "B: Sure, what's up?",
         "A: Can you look at the **onboarding copy** before we ship it?",
         "B: On it, I'll send notes in an hour."],
        ["A: Quick question: is the demo still on for **Thursday**?", "B: Yes, 2pm. I'll send the invite.",
         "A: Perfect, thanks!"],
        ["A: @{B} could you review my pull request when you get a chance?",
         "B: Sure, I'll take a look after lunch.", "B: Left a few comments, mostly about `retry_count`.",
         "A: Thanks, fixing them now 👍"],
        ["A: Agenda for tomorrow:\n\n- status of the release\n- the **pricing page**\n- open questions",
         "B: Can we add the support backlog too?", "A: Added it, thanks @{B}."],
        ["A: Is the staging server down for anyone else?", "B: Looks fine here. Which URL?",
         "A: `https://staging.example.com/login` times out for me.",
         "C: Same here, I'll restart it.", "A: Works now, thank you {c}!"],
        ["A: Good news: the customer signed! 🎉", "B: Amazing, well done!", "C: **Huge** win, congrats {a}!"],
        ["A: Where can I find the brand guidelines?",
         "B: Here: [brand guidelines](https://wiki.example.com/brand). The logo files are at the bottom.",
         "A: Got them, thanks."],
        ["A: Running 10 minutes late to the sync, sorry!", "B: No problem, we'll start with the metrics."],
        ["A: What did we decide about the launch date?", "B: We moved it to **May 14**.",
         "A: OK, I'll update the plan.", "B: Thanks! @{C} FYI."],
        ["A: Hi {b}, welcome to the team! 👋", "B: Thanks {a}, happy to be here!",
         "A: Ping me if you need anything, and check the [onboarding "
         "guide](https://wiki.example.com/onboarding)."],
        ["A: Lunch today?", "B: Sure! 12:30?", "A: Sounds good, see you at the lobby."],
        ["A: The build is red on `main` again.", "B: My fault, the migration test. Fixing it.",
         "B: Fixed in the latest commit.", "A: Green again, thanks!"],
        ["A: Can someone summarize the call? I missed the end.",
         "B: Sure:\n\n1. budget approved\n2. **hiring** starts next month\n3. next call on Friday",
         "A: Perfect, thank you!"],
    ],
    [
        ["A: Could you send me the latest numbers?", "B: Sure, here they are.", "B: [file]",
         "A: Got it, thanks!"],
        ["A: Here's the draft from this morning.", "A: [file]",
         "B: Thanks, I'll read it before the meeting."],
        ["A: @{B} do you still have the screenshot from yesterday?", "B: [file]",
         "A: That's the one, thanks!"],
    ],
    "_{a} created the conversation_",
    ["_{a} joined the conversation_", "_{a} started a call_", "_{a} pinned a message_"],
    ["Launch plan", "Design review", "Weekly sync", "Support escalations", "Offsite", "Roadmap"],
)

GERMAN = _book(
    [
        ["A: Guten Morgen {b}! Wie war das Wochenende?",
         "B: Super, danke! Wir waren endlich wandern. Und bei dir?",
         "A: Ruhig, viel gelesen 📚"],
        ["A: Hast du kurz eine Minute?", "B: Klar, worum geht's?",
         "A: Kannst du dir den **Onboarding-Text** ansehen, bevor er live geht?",
         "B: Mache ich, Feedback kommt in einer Stunde."],
        ["A: Kurze Frage: Findet die Demo am **Donnerstag** statt?",
         "B: Ja, um 14 Uhr. Ich schicke die Einladung.",
         "A: Perfekt, danke!"],
        ["A: @{B} kannst du dir meinen Pull Request ansehen?", "B: Klar, nach der Mittagspause.",
         "B: Ein paar Kommentare, vor allem zu `retry_count`.", "A: Danke, ich korrigiere das gleich 👍"],
        ["A: Agenda für morgen:\n\n- Stand des Releases\n- die **Preisseite**\n- offene Fragen",
         "B: Können wir das Support-Backlog ergänzen?", "A: Ist drin, danke @{B}."],
        ["A: Ist der Staging-Server bei euch auch down?", "B: Bei mir geht er. Welche URL?",
         "A: `https://staging.example.com/login` läuft bei mir in einen Timeout.",
         "C: Bei mir auch, ich starte ihn neu.", "A: Geht wieder, danke {c}!"],
        ["A: Gute Nachrichten: Der Kunde hat unterschrieben! 🎉", "B: Wahnsinn, gut gemacht!",
         "C: **Großer** Erfolg, Glückwunsch {a}!"],
        ["A: Wo finde ich die Markenrichtlinien?",
         "B: Hier: [Markenrichtlinien](https://wiki.example.com/brand). Die Logos sind ganz unten.",
         "A: Hab sie, danke."],
        ["A: Ich bin 10 Minuten zu spät zum Sync, sorry!", "B: Kein Problem, wir fangen mit den Zahlen an."],
        ["A: Was haben wir zum Launch-Termin entschieden?",
         "B: Wir haben ihn auf den **14. Mai** verschoben.",
         "A: Okay, ich passe den Plan an.", "B: Danke! @{C} zur Info."],
        ["A: Hallo {b}, willkommen im Team! 👋", "B: Danke {a}, ich freue mich!",
         "A: Melde dich, wenn du etwas brauchst, und schau in den "
         "[Onboarding-Leitfaden](https://wiki.example.com/onboarding)."],
        ["A: Mittagessen heute?", "B: Gerne! 12:30?", "A: Passt, wir treffen uns in der Lobby."],
        ["A: Der Build auf `main` ist schon wieder rot.", "B: Mein Fehler, der Migrationstest. Ich fixe das.",
         "B: Ist im letzten Commit behoben.", "A: Wieder grün, danke!"],
        ["A: Kann jemand den Call zusammenfassen? Ich habe das Ende verpasst.",
         "B: Klar:\n\n1. Budget genehmigt\n2. **Recruiting** startet nächsten Monat\n3. nächster Call am "
         "Freitag",
         "A: Perfekt, danke!"],
    ],
    [
        ["A: Kannst du mir die aktuellen Zahlen schicken?", "B: Klar, hier sind sie.", "B: [file]",
         "A: Angekommen, danke!"],
        ["A: Hier ist der Entwurf von heute Morgen.", "A: [file]", "B: Danke, ich lese ihn vor dem Meeting."],
        ["A: @{B} hast du noch den Screenshot von gestern?", "B: [file]", "A: Genau der, danke!"],
    ],
    "_{a} hat die Unterhaltung erstellt_",
    ["_{a} ist der Unterhaltung beigetreten_", "_{a} hat einen Anruf gestartet_",
     "_{a} hat eine Nachricht angeheftet_"],
    ["Launch-Plan", "Design-Review", "Wochenrunde", "Support-Eskalationen", "Teamausflug", "Roadmap"],
)

FRENCH = _book(
    [
        ["A: Bonjour {b} ! Ton week-end s'est bien passé ?",
         "B: Très bien, merci ! On est enfin allés randonner. Et toi ?",
         "A: Calme, beaucoup de lecture 📚"],
        ["A: Tu as une minute ?", "B: Bien sûr, qu'est-ce qu'il y a ?",
         "A: Tu peux relire le **texte d'accueil** avant la mise en ligne ?",
         "B: Je m'en occupe, retours dans une heure."],
        ["A: Petite question : la démo est toujours prévue **jeudi** ?",
         "B: Oui, à 14 h. J'envoie l'invitation.",
         "A: Parfait, merci !"],
        ["A: @{B} tu pourrais relire ma pull request ?", "B: Bien sûr, après le déjeuner.",
         "B: Quelques commentaires, surtout sur `retry_count`.", "A: Merci, je corrige tout de suite 👍"],
        ["A: Ordre du jour pour demain :\n\n- état de la release\n- la **page des tarifs**\n- questions "
         "ouvertes",
         "B: On peut ajouter le backlog du support ?", "A: C'est ajouté, merci @{B}."],
        ["A: Le serveur de staging est en panne chez vous aussi ?", "B: Ça marche chez moi. Quelle URL ?",
         "A: `https://staging.example.com/login` ne répond pas chez moi.",
         "C: Pareil ici, je le redémarre.", "A: Ça remarche, merci {c} !"],
        ["A: Bonne nouvelle : le client a signé ! 🎉", "B: Génial, bravo !",
         "C: **Belle** victoire, bravo {a} !"],
        ["A: Où est-ce que je trouve la charte graphique ?",
         "B: Ici : [charte graphique](https://wiki.example.com/brand). Les logos sont en bas.",
         "A: Trouvé, merci."],
        ["A: J'aurai 10 minutes de retard au point, désolé !",
         "B: Pas de souci, on commence par les chiffres."],
        ["A: Qu'est-ce qu'on a décidé pour la date de lancement ?", "B: On l'a décalée au **14 mai**.",
         "A: D'accord, je mets le planning à jour.", "B: Merci ! @{C} pour info."],
        ["A: Salut {b}, bienvenue dans l'équipe ! 👋", "B: Merci {a}, ravi d'être là !",
         "A: N'hésite pas si tu as besoin de quoi que ce soit, et lis le [guide "
         "d'accueil](https://wiki.example.com/onboarding)."],
        ["A: On déjeune ensemble aujourd'hui ?", "B: Avec plaisir ! 12 h 30 ?",
         "A: Parfait, rendez-vous à l'accueil."],
        ["A: Le build de `main` est encore rouge.", "B: C'est moi, le test de migration. Je corrige.",
         "B: Corrigé dans le dernier commit.", "A: De nouveau vert, merci !"],
        ["A: Quelqu'un peut résumer l'appel ? J'ai raté la fin.",
         "B: Bien sûr :\n\n1. budget validé\n2. le **recrutement** commence le mois prochain\n3. prochain "
         "appel vendredi",
         "A: Parfait, merci !"],
    ],
    [
        ["A: Tu peux m'envoyer les derniers chiffres ?", "B: Bien sûr, les voici.", "B: [file]",
         "A: Bien reçu, merci !"],
        ["A: Voici le brouillon de ce matin.", "A: [file]", "B: Merci, je le lis avant la réunion."],
        ["A: @{B} tu as encore la capture d'écran d'hier ?", "B: [file]", "A: C'est celle-là, merci !"],
    ],
    "_{a} a créé la conversation_",
    ["_{a} a rejoint la conversation_", "_{a} a lancé un appel_", "_{a} a épinglé un message_"],
    ["Plan de lancement", "Revue de design", "Point hebdo", "Escalades support", "Séminaire",
     "Feuille de route"],
)

SPANISH = _book(
    [
        ["A: ¡Buenos días {b}! ¿Qué tal el fin de semana?",
         "B: ¡Genial, gracias! Por fin fuimos de excursión. ¿Y tú?",
         "A: Tranquilo, mucha lectura 📚"],
        ["A: ¿Tienes un minuto?", "B: Claro, ¿qué pasa?",
         "A: ¿Puedes revisar el **texto de bienvenida** antes de publicarlo?",
         "B: Me pongo con ello, te paso notas en una hora."],
        ["A: Una pregunta rápida: ¿sigue en pie la demo del **jueves**?",
         "B: Sí, a las 14:00. Envío la invitación.",
         "A: ¡Perfecto, gracias!"],
        ["A: @{B} ¿puedes revisar mi pull request cuando puedas?", "B: Claro, después de comer.",
         "B: Te dejé algunos comentarios, sobre todo de `retry_count`.", "A: Gracias, los corrijo ahora 👍"],
        ["A: Agenda para mañana:\n\n- estado de la versión\n- la **página de precios**\n- preguntas abiertas",
         "B: ¿Podemos añadir el backlog de soporte?", "A: Añadido, gracias @{B}."],
        ["A: ¿Alguien más tiene caído el servidor de staging?", "B: A mí me funciona. ¿Qué URL?",
         "A: `https://staging.example.com/login` me da timeout.",
         "C: A mí también, lo reinicio.", "A: ¡Ya funciona, gracias {c}!"],
        ["A: Buenas noticias: ¡el cliente ha firmado! 🎉", "B: ¡Increíble, bien hecho!",
         "C: ¡Un **gran** logro, enhorabuena {a}!"],
        ["A: ¿Dónde encuentro la guía de marca?",
         "B: Aquí: [guía de marca](https://wiki.example.com/brand). Los logos están al final.",
         "A: Ya los tengo, gracias."],
        ["A: Llego 10 minutos tarde a la reunión, ¡perdón!", "B: Sin problema, empezamos con las métricas."],
        ["A: ¿Qué decidimos sobre la fecha de lanzamiento?", "B: La movimos al **14 de mayo**.",
         "A: Vale, actualizo el plan.", "B: ¡Gracias! @{C} para que lo sepas."],
        ["A: ¡Hola {b}, bienvenido al equipo! 👋", "B: ¡Gracias {a}, encantado de estar aquí!",
         "A: Avísame si necesitas algo y echa un vistazo a la [guía de "
         "bienvenida](https://wiki.example.com/onboarding)."],
        ["A: ¿Comemos juntos hoy?", "B: ¡Claro! ¿A las 12:30?", "A: Perfecto, nos vemos en la entrada."],
        ["A: La build de `main` está otra vez en rojo.", "B: Culpa mía, el test de migración. Lo arreglo.",
         "B: Arreglado en el último commit.", "A: ¡En verde otra vez, gracias!"],
        ["A: ¿Alguien puede resumir la llamada? Me perdí el final.",
         "B: Claro:\n\n1. presupuesto aprobado\n2. la **contratación** empieza el mes que viene\n3. "
         "próxima llamada el viernes",
         "A: ¡Perfecto, gracias!"],
    ],
    [
        ["A: ¿Me puedes enviar las últimas cifras?", "B: Claro, aquí están.", "B: [file]",
         "A: ¡Recibido, gracias!"],
        ["A: Aquí está el borrador de esta mañana.", "A: [file]", "B: Gracias, lo leo antes de la reunión."],
        ["A: @{B} ¿todavía tienes la captura de pantalla de ayer?", "B: [file]", "A: ¡Esa es, gracias!"],
    ],
    "_{a} creó la conversación_",
    ["_{a} se unió a la conversación_", "_{a} inició una llamada_", "_{a} fijó un mensaje_"],
    ["Plan de lanzamiento", "Revisión de diseño", "Reunión semanal", "Escalados de soporte",
     "Retiro del equipo",
     "Hoja de ruta"],
)
# fmt: on

PHRASEBOOKS: dict[str, Phrasebook] = {"en": ENGLISH, "de": GERMAN, "fr": FRENCH, "es": SPANISH}


def phrasebook(locale: str) -> Phrasebook:
    """The bank of ``locale``'s language (``de_DE``, ``de-AT`` and ``de`` all speak German), else English."""
    language = locale.replace("-", "_").partition("_")[0].lower()
    return PHRASEBOOKS.get(language, ENGLISH)
