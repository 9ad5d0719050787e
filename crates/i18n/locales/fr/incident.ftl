# Un incident : son nom, les commandes de sa page (clôture, tâches ignorées,
# modification, fusion et scission, déclarations, rapports transmis) et ses
# projets de rapport.

## Menaces
incident-threat-ransomware = rançongiciel
incident-threat-phishing = hameçonnage
incident-threat-forced-entry = effraction
incident-threat-unauthorized-access = accès non autorisé
incident-threat-intrusion = intrusion
incident-threat-credential-access = vol d'identifiants (tentative)
incident-threat-lateral-movement = déplacement latéral
incident-threat-privilege-abuse = abus de privilèges
incident-threat-data-exfiltration = exfiltration de données
incident-threat-credential-theft = vol d'identifiants
incident-threat-insider-threat = menace interne
incident-threat-sabotage = sabotage
incident-threat-tampering = manipulation
incident-threat-bms-tampering = manipulation de la GTB
incident-threat-medical-device-tampering = manipulation d'un dispositif médical
incident-threat-ddos = déni de service
incident-threat-network-outage = panne réseau
incident-threat-cold-chain = rupture de la chaîne du froid
incident-threat-equipment-failure = panne d'équipement
incident-threat-fire = incendie
incident-threat-flood = inondation
incident-threat-environmental = écart environnemental

## Noms
incident-name = { $what } — { $place }
incident-place-room = salle { $room }
incident-place-floor = étage { $floor }
incident-place-more = { $count ->
    [one] et { $count } autre lieu
   *[other] et { $count } autres lieux
}

## Faits
incident-severity = Gravité
incident-status = Statut
incident-assignee = Responsable
incident-unassigned = non attribué
incident-location = Lieu
incident-unknown = inconnu
incident-threat = Menace
incident-not-classified = non classée
incident-tags = Étiquettes
incident-none = aucune
incident-opened = Ouvert
incident-updated = Mis à jour
incident-merged-into = Fusionné dans
incident-assets = Actifs
incident-closed-as = Clos comme
incident-closure = { $disposition } par { $by } : { $reason }
incident-disposition-false-positive = faux positif
incident-disposition-benign = bénin
incident-disposition-duplicate = doublon

## Actions
incident-actions = Actions
incident-change-status = Changer le statut
incident-transition-acknowledge = Prendre en compte
incident-transition-start = Commencer
incident-transition-resolve = Résoudre
incident-transition-close = Clore
incident-transition-reopen = Rouvrir
incident-assign = Attribuer
incident-assign-to = Attribuer à
incident-nobody = personne
incident-merged-notice = Fusionné dans un autre incident, qui poursuit le travail :
incident-read-only = Votre rôle peut lire cet incident mais pas le modifier.
incident-export = Exporter en JSON
incident-responder-view = Vue intervenant

incident-close-heading = Clore sans intervention…
incident-close-disposition = Clore comme
incident-close-reason = Motif
incident-close-reason-hint = pourquoi aucune intervention n'est nécessaire
incident-close-duplicate-of = Doublon de
incident-close-duplicate-hint = seulement pour un doublon
incident-close-explain = La clôture ignore toutes les tâches en attente avec ce motif ; un doublon est fusionné dans l'incident qu'il répète.
incident-close-submit = Clore l'incident

incident-edit-heading = Modifier, fusionner, scinder…
incident-edit-title = Titre
incident-edit-rename = Renommer
incident-edit-severity = Gravité
incident-edit-severity-reason = Pourquoi
incident-edit-set-severity = Changer la gravité
incident-edit-add-tags = Ajouter des étiquettes
incident-edit-tags-hint = séparées par des virgules ou des espaces
incident-edit-add = Ajouter
incident-edit-remove-tag = Retirer l'étiquette { $tag }
incident-merge-into = Fusionner dans
incident-merge = Fusionner
incident-split-alerts = Alertes à détacher
incident-split-title = Titre du nouvel incident
incident-split = Détacher

## Liste des tâches
incident-checklist = Tâches du playbook
incident-no-playbook = Aucun playbook attaché.
incident-tasks-done = { $done } sur { $total } faites
incident-task = Tâche
incident-role = Rôle
incident-state = État
incident-approval = Approbation
incident-act = Agir
incident-task-role-soc = analyste SOC
incident-task-role-security-guard = agent de sécurité
incident-task-role-crisis-manager = gestionnaire de crise
incident-task-role-it = informatique
incident-task-role-clinical-lead = référent clinique
incident-task-role-privacy-officer = délégué à la protection des données
incident-how = Comment
incident-after = après { $tasks }
incident-task-pending = ☐ en attente
incident-task-done = ☑ faite
incident-task-skipped = ⊘ ignorée
incident-by = par { $by }
incident-approval-not-needed = non requise
incident-approval-needed = requise de : { $role }
incident-approval-given = donnée par { $by } comme { $role }
incident-approve = Approuver
incident-complete = Terminer
incident-skip-open = Ignorer…
incident-skip-reason = Motif pour ignorer { $task }
incident-skip-hint = pourquoi l'ignorer
incident-skip = Ignorer
incident-skip-rest-open = Ignorer les { $count } tâches en attente…
incident-skip-rest-reason = Une note pour toutes les tâches en attente de { $playbook }
incident-skip-rest = Ignorer le reste

## Échéances réglementaires
incident-clocks = Échéances réglementaires
incident-significant-by = Significatif au sens de NIS2 : déclaré par { $by }, connu depuis { $since }.
incident-breach-by = Violation de données personnelles (RGPD) : déclarée par { $by }, connue depuis { $since }.
incident-no-clock = Aucune échéance en cours : l'incident n'est déclaré ni significatif ni violation de données personnelles.
incident-deadline = Échéance
incident-due = Date limite
incident-remaining = Restant
incident-clock-nis2-early-warning = Alerte précoce NIS2 (art. 23(4)(a), 24 h)
incident-clock-nis2-notification = Notification d'incident NIS2 (art. 23(4)(b), 72 h)
incident-clock-nis2-final-report = Rapport final NIS2 (art. 23(4)(d), un mois)
incident-clock-gdpr-art33 = Notification de violation de données RGPD (art. 33, 72 h)
incident-draft-report = Projet de rapport
incident-submitted = transmis par { $by } le { $at }
incident-submitted-reference = référence : { $reference }
incident-record-submission = Enregistrer la transmission…
incident-submission-reference = Référence (accusé du portail, courriel)
incident-submission-hint = par ex. le numéro d'accusé du portail
incident-submission-submit = Enregistrer la transmission
incident-declare = Déclarer
incident-mark-significant = Déclarer significatif (NIS2)…
incident-mark-significant-explain = Cela démarre maintenant les délais légaux NIS2 : alerte précoce sous 24 heures, notification d'incident sous 72 heures, rapport final un mois après la notification. C'est irréversible.
incident-mark-significant-confirm = Oui, déclarer significatif et démarrer les délais NIS2
incident-mark-breach = Déclarer une violation de données (RGPD)…
incident-mark-breach-explain = Cela démarre maintenant le délai de l'art. 33 du RGPD : l'autorité de contrôle doit être notifiée sous 72 heures. C'est irréversible.
incident-mark-breach-confirm = Oui, déclarer une violation et démarrer le délai RGPD
incident-left = { $span } restantes
incident-overdue = en retard de { $span }

## Projets de rapport
incident-report-title = Projet de rapport : { $report }
incident-report-back = Retour à l'incident
incident-report-download-md = Télécharger en Markdown
incident-report-download-html = Télécharger en HTML
incident-report-note = Un projet établi à partir de ce que SafeCare sait : complétez ce qu'il marque [to complete: …] avant l'envoi.
