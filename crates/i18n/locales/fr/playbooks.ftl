# Titres des playbooks et de leurs tâches (voir locales/en/playbooks.ftl).

playbook-account-compromise = Compte compromis ou détourné
playbook-account-compromise-triage = Examiner les connexions récentes du compte, ses changements de groupe et les postes utilisés
playbook-account-compromise-disable-account = Désactiver le compte et révoquer ses sessions et jetons
playbook-account-compromise-revert-changes = Annuler les appartenances aux groupes et supprimer les comptes qu'il a créés
playbook-account-compromise-hunt = Rechercher une persistance sur les postes où il s'est connecté

playbook-bms-tampering = Manipulation de la gestion technique du bâtiment
playbook-bms-tampering-triage = Identifier les points modifiés, par quel compte et depuis où
playbook-bms-tampering-check-conditions = Vérifier les conditions réelles dans les salles touchées (température, pression, renouvellement d'air)
playbook-bms-tampering-clinical-check = Vérifier le risque pour les patients dans les blocs, chambres d'isolement et stockages de pharmacie touchés
playbook-bms-tampering-disconnect-bms = Déconnecter la GTB du réseau informatique et de l'accès à distance
playbook-bms-tampering-manual-mode = Passer les installations touchées en commande manuelle locale
playbook-bms-tampering-restore-setpoints = Rétablir les consignes approuvées et les vérifier sur place
playbook-bms-tampering-rotate-credentials = Changer les identifiants de la GTB et des accès à distance des fournisseurs

playbook-data-exfiltration = Exfiltration de données
playbook-data-exfiltration-triage = Identifier le poste source, la destination et le volume transféré
playbook-data-exfiltration-block-destination = Bloquer la destination sur le pare-feu et le proxy
playbook-data-exfiltration-block-external-links = Suspendre les liaisons de données externes du système touché (téléradiologie, échanges avec les laboratoires)
playbook-data-exfiltration-scope-data = Établir quelles données et combien de personnes sont concernées
playbook-data-exfiltration-gdpr-assessment = Évaluer la violation au titre du RGPD et décider de la notification
playbook-data-exfiltration-preserve-evidence = Conserver les enregistrements de flux, les journaux du proxy et l'image du poste source
playbook-data-exfiltration-inform-patients = Préparer la communication aux personnes concernées si le risque est élevé

playbook-ddos = Déni de service sur le portail patients ou d'autres services publics
playbook-ddos-triage = Confirmer l'attaque et identifier les services visés
playbook-ddos-activate-mitigation = Activer le service amont de protection contre le déni de service
playbook-ddos-protect-internal = Vérifier que le trafic clinique interne n'est pas touché et le rendre prioritaire
playbook-ddos-inform-public = Publier un autre moyen de joindre l'hôpital (lignes téléphoniques, bandeau sur le site web)
playbook-ddos-look-for-cover = Rechercher les tentatives d'intrusion que l'inondation pourrait masquer

playbook-environmental-excursion = Température ou humidité hors plage dans une zone clinique ou une chambre froide
playbook-environmental-excursion-confirm-reading = Confirmer la mesure avec un second capteur ou un thermomètre portatif
playbook-environmental-excursion-check-bms = Rechercher dans la GTB les changements de consigne, alarmes ou forçages manuels sur l'installation qui dessert la zone
playbook-environmental-excursion-clinical-assessment = Décider si les actes dans la zone continuent, s'interrompent ou sont déplacés
playbook-environmental-excursion-move-stock = Transférer les médicaments ou produits sanguins touchés vers une chambre froide de secours et les mettre en quarantaine
playbook-environmental-excursion-restore-conditions = Remettre l'installation à ses réglages approuvés et vérifier que la zone revient à la normale
playbook-environmental-excursion-record-excursion = Consigner l'écart, sa durée et les décisions prises pour le dossier qualité

playbook-fire = Incendie ou fumée dans l'hôpital
playbook-fire-call-fire-service = Confirmer que les pompiers ont été appelés
playbook-fire-dispatch-guard = Envoyer un agent de sécurité au point d'alarme pour confirmer
playbook-fire-activate-plan = Déclencher le plan incendie de l'hôpital et la cellule de crise
playbook-fire-horizontal-evacuation = Transférer les patients horizontalement au-delà des portes coupe-feu
playbook-fire-evacuate-critical = Évacuer les patients ventilés et de soins critiques
playbook-fire-isolate-gases = Couper les gaz médicaux et la ventilation de la zone touchée
playbook-fire-guide-firefighters = Accueillir les pompiers et les guider jusqu'à la zone

playbook-flood = Infiltration d'eau ou inondation
playbook-flood-dispatch-guard = Envoyer la sécurité ou les services techniques confirmer la fuite et son origine
playbook-flood-isolate-water = Fermer l'arrivée d'eau de la zone touchée
playbook-flood-protect-equipment = Mettre hors tension et protéger les équipements électriques et informatiques menacés
playbook-flood-clinical-impact = Vérifier quels services et blocs perdent des fonctions et déplacer les patients si nécessaire
playbook-flood-activate-plan = Activer la cellule de crise si des services cliniques sont touchés
playbook-flood-dry-and-inspect = Assécher la zone et inspecter câblages, tableaux électriques et plafonds avant de remettre sous tension

playbook-forced-entry = Porte forcée ou maintenue ouverte dans une zone réservée
playbook-forced-entry-dispatch-guard = Envoyer un agent de sécurité à la porte
playbook-forced-entry-review-cameras = Visionner les images en direct et enregistrées autour de la porte
playbook-forced-entry-secure-area = Sécuriser la zone et vérifier si quelque chose ou quelqu'un manque
playbook-forced-entry-check-patients = Vérifier la sécurité des patients et du personnel dans la zone
playbook-forced-entry-call-police = Appeler la police si un intrus est présent ou si des biens ont disparu
playbook-forced-entry-preserve-footage = Exporter et conserver la vidéo et les journaux du contrôle d'accès
playbook-forced-entry-repair-door = Faire réparer et tester la porte et son contact

playbook-medical-device-tampering = Manipulation d'un dispositif médical ou de son réseau
playbook-medical-device-tampering-triage = Identifier les dispositifs, les modifications faites et les pairs réseau en cause
playbook-medical-device-tampering-check-patients = Vérifier les patients reliés aux dispositifs touchés
playbook-medical-device-tampering-swap-devices = Remplacer au lit du patient les dispositifs touchés par des appareils de réserve vérifiés
playbook-medical-device-tampering-quarantine-devices = Retirer du réseau les dispositifs touchés et les confier au génie biomédical
playbook-medical-device-tampering-verify-configuration = Vérifier micrologiciel, bibliothèque de médicaments et configuration par rapport à la référence approuvée
playbook-medical-device-tampering-notify-manufacturer = Prévenir le fabricant et, si nécessaire, l'autorité compétente de matériovigilance

playbook-pharmacy-theft = Vol ou détournement à la pharmacie ou dans une armoire à médicaments
playbook-pharmacy-theft-dispatch-guard = Envoyer un agent de sécurité à la pharmacie ou à l'armoire
playbook-pharmacy-theft-correlate-access = Croiser les enregistrements des badges, de l'armoire et des caméras sur la période
playbook-pharmacy-theft-stock-check = Compter les stupéfiants et comparer avec les enregistrements de dispensation
playbook-pharmacy-theft-replacement-supply = Organiser le réapprovisionnement de tout médicament désormais manquant
playbook-pharmacy-theft-suspend-badges = Suspendre les badges en cause en attendant l'examen
playbook-pharmacy-theft-report-authorities = Déclarer la perte de stupéfiants à la police et à l'autorité sanitaire

playbook-phishing = Courriel d'hameçonnage cliqué ou identifiants saisis
playbook-phishing-triage = Identifier le message, son expéditeur, ses liens et ses pièces jointes
playbook-phishing-find-recipients = Retrouver chaque destinataire et chaque clic dans les journaux de messagerie et du proxy
playbook-phishing-block-lure = Bloquer l'expéditeur, les URL et les empreintes des pièces jointes
playbook-phishing-purge-mailboxes = Supprimer le message de toutes les boîtes aux lettres
playbook-phishing-reset-credentials = Réinitialiser le mot de passe et révoquer les sessions de chaque compte qui a cliqué
playbook-phishing-scan-hosts = Analyser les postes qui ont ouvert le leurre à la recherche de logiciels malveillants
playbook-phishing-warn-staff = Avertir le personnel de la campagne

playbook-power-loss = Perte de l'alimentation secteur
playbook-power-loss-check-transfer = Vérifier que les groupes électrogènes ont démarré et que les circuits critiques ont basculé
playbook-power-loss-check-life-support = Vérifier ventilateurs, moniteurs et pompes en soins critiques et au bloc
playbook-power-loss-activate-plan = Déclencher le plan de perte d'alimentation et la cellule de crise
playbook-power-loss-load-shedding = Délester les charges non critiques pour préserver la capacité des groupes
playbook-power-loss-fuel-check = Vérifier le carburant des groupes et commander une livraison
playbook-power-loss-suspend-elective = Suspendre les actes programmés si la coupure doit durer
playbook-power-loss-check-tampering = Rechercher dans les journaux de la GTB et des tableaux électriques des signes de manipulation

playbook-ransomware = Rançongiciel sur les systèmes de l'hôpital
playbook-ransomware-triage = Confirmer l'activité de chiffrement et lister les postes touchés
playbook-ransomware-convene-crisis-cell = Réunir la cellule de crise et ouvrir la main courante
playbook-ransomware-isolate-hosts = Isoler du réseau les postes touchés
playbook-ransomware-isolate-segment = Isoler le ou les segments réseau qui portent les postes touchés
playbook-ransomware-downtime-procedures = Passer les services touchés en procédures dégradées sur papier
playbook-ransomware-disable-accounts = Désactiver les comptes utilisés par l'attaquant et réinitialiser les identifiants privilégiés
playbook-ransomware-preserve-evidence = Conserver les images mémoire, les journaux et un échantillon de fichiers chiffrés
playbook-ransomware-assess-notification = Évaluer si l'incident est important (NIS2) et si des données personnelles sont touchées (RGPD)
playbook-ransomware-restore = Restaurer depuis les sauvegardes hors ligne après avoir vérifié qu'elles sont saines
playbook-ransomware-reconnect = Reconnecter les systèmes restaurés et lever les procédures dégradées

playbook-removable-media = Support amovible inconnu sur un poste
playbook-removable-media-triage = Identifier le poste, le périphérique et les fichiers ou frappes en cause
playbook-removable-media-retrieve-device = Récupérer le périphérique et le conserver comme preuve
playbook-removable-media-scan-host = Analyser le poste et rechercher de nouveaux exécutables ou services
playbook-removable-media-isolate-host = Isoler le poste si quoi que ce soit a été exécuté depuis le périphérique

playbook-unauthorised-access = Accès non autorisé ou hors horaires à une salle réservée
playbook-unauthorised-access-dispatch-guard = Envoyer un agent de sécurité à la salle
playbook-unauthorised-access-review-cameras = Visionner la vidéo de la porte au moment de l'accès
playbook-unauthorised-access-verify-holder = Vérifier auprès du responsable du titulaire du badge si l'accès était légitime
playbook-unauthorised-access-suspend-badge = Suspendre le badge si l'accès n'était pas légitime
playbook-unauthorised-access-check-equipment = Rechercher dans la salle des appareils ajoutés ou des supports amovibles

# Résumés, proposés comme consigne des messages CAP aux primo-intervenants.

playbook-account-compromise-summary = Un nouvel administrateur, une connexion d'administrateur inhabituelle ou un déplacement impossible. Considérer le compte comme celui de l'attaquant jusqu'à preuve du contraire.
playbook-bms-tampering-summary = Changements de consigne, commandes ou connexions inattendus sur la GTB (CVC, cascades de pression, surveillance des gaz médicaux, eau). La ventilation des blocs et la pression des chambres d'isolement sont des systèmes de sécurité des patients.
playbook-data-exfiltration-summary = Transfert sortant inhabituel depuis des serveurs qui détiennent des données de patients ou du personnel. Arrêter le flux, établir ce qui est parti et commencer tôt l'évaluation RGPD : les 72 heures courent dès la prise de connaissance.
playbook-ddos-summary = Inondation de trafic sur le portail patients, la prise de rendez-vous ou d'autres services publics. Tenir les patients informés par d'autres canaux.
playbook-environmental-excursion-summary = Un bloc opératoire, une chambre d'isolement, un réfrigérateur de pharmacie ou une banque de sang sort de sa plage de température ou d'humidité autorisée. La stérilité, la viabilité des médicaments et des produits sanguins et le confort des patients sont en jeu ; la cause peut être une panne ou une manipulation d'un système du bâtiment.
playbook-fire-summary = Alarme incendie ou détection de fumée. La sécurité des personnes d'abord ; le système de détection aide le plan incendie, il ne le remplace jamais.
playbook-flood-summary = Une fuite, une canalisation rompue ou une alarme de détecteur d'eau. De l'eau dans un local technique, une salle serveurs ou sous un bloc opératoire menace à la fois l'électricité, l'informatique et les services cliniques.
playbook-forced-entry-summary = Un contact de porte signale une ouverture forcée. Envoyer quelqu'un avant toute autre chose et conserver les images des caméras.
playbook-medical-device-tampering-summary = Changements inattendus de configuration, de micrologiciel, de bibliothèque de médicaments ou d'activité réseau sur des pompes à perfusion, moniteurs, appareils d'imagerie ou autres dispositifs médicaux.
playbook-pharmacy-theft-summary = Accès inexpliqué à la pharmacie, à une armoire automatisée de dispensation ou au local des stupéfiants. Établir ce qui manque pour qu'aucun patient ne soit privé d'un médicament.
playbook-phishing-summary = Un membre du personnel a ouvert un lien ou une pièce jointe malveillants. Retrouver chaque destinataire, bloquer le leurre et considérer le compte qui a cliqué comme compromis.
playbook-power-loss-summary = Coupure du secteur ou échec du basculement sur les groupes électrogènes. Les équipements de suppléance vitale ne tiennent que quelques minutes sur onduleur.
playbook-ransomware-summary = Chiffrement ou modifications massives de fichiers sur des serveurs ou des postes. Contenir vite la propagation, mais ne jamais couper la surveillance des patients ni les systèmes cliniques sans que le responsable clinique sache ce que perdent les services.
playbook-removable-media-summary = Un périphérique de stockage USB ou HID branché sur un serveur ou un poste clinique où aucun n'est attendu.
playbook-unauthorised-access-summary = Un badge utilisé hors de ses horaires ou de ses droits, ou un talonnage, à une salle serveurs, une pharmacie, un centre de données ou une autre salle réservée.
